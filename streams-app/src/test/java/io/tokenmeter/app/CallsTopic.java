package io.tokenmeter.app;

import static org.awaitility.Awaitility.await;

import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * What the broker accepted: every record of a calls topic, read from the beginning to the end
 * offsets taken at the start. Fault tests compute their reference from this rather than from what
 * they meant to send, since a send that failed or timed out may or may not be in the topic.
 */
final class CallsTopic {

  private CallsTopic() {}

  /** Every record of {@code topic}; {@code client} holds the bootstrap servers and any security settings. */
  static List<ConsumerRecord<String, LlmCallEvent>> readAll(
      Map<String, String> client, String topic) {
    Map<String, Object> props = new HashMap<>(client);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "calls-reader-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<ConsumerRecord<String, LlmCallEvent>> records = new ArrayList<>();
    try (KafkaConsumer<String, LlmCallEvent> consumer = new KafkaConsumer<>(
        props,
        new StringDeserializer(),
        new AvroDeserializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry()))) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
      await("calls topic read to its end")
          .atMost(Duration.ofMinutes(1))
          .pollInterval(Duration.ZERO)
          .until(() -> {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            return end.entrySet().stream()
                .allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
          });
    }
    return records;
  }
}
