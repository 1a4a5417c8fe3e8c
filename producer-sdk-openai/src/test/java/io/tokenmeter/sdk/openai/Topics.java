package io.tokenmeter.sdk.openai;

import static org.awaitility.Awaitility.await;

import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Creates single-partition topics on the test's broker and reads back everything in them. */
final class Topics {

  private Topics() {}

  static void create(String bootstrap, String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin
          .createTopics(List.of(new NewTopic(topic, 1, (short) 1)))
          .all()
          .get(60, TimeUnit.SECONDS);
    }
  }

  /** Every event in the topic, decoded, in order. Call after {@code Tokenmeter.flush}. */
  static List<LlmCallEvent> events(String bootstrap, String topic) {
    AvroDeserializer<LlmCallEvent> values =
        new AvroDeserializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry());
    List<LlmCallEvent> out = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : records(bootstrap, topic)) {
      out.add(values.deserialize(topic, r.value()));
    }
    return out;
  }

  /** Every record of the topic as raw bytes: keys, values, header names and values. */
  static List<ConsumerRecord<byte[], byte[]>> records(String bootstrap, String topic) {
    TopicPartition partition = new TopicPartition(topic, 0);
    Map<String, Object> conf = Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        bootstrap,
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
        false);
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(conf, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long end = consumer.endOffsets(List.of(partition)).get(partition);
      // Reading up to the end offset proves there is nothing more than what was read.
      await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
        return consumer.position(partition) >= end;
      });
    }
    return out;
  }
}
