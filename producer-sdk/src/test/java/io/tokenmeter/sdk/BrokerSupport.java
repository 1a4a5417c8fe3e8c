package io.tokenmeter.sdk;

import static org.awaitility.Awaitility.await;

import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Topic creation and reading back, for the tests against a real broker. */
final class BrokerSupport {

  static final String SECRET = "it-secret-0123456789abcdef0123456789abcdef";
  static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

  private BrokerSupport() {}

  /**
   * Creates the topic up front, as a deployment would: with a small max.block.ms, relying on
   * auto-creation could time out the first sends while the topic is being made.
   */
  static void createTopic(String bootstrap, String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin
          .createTopics(List.of(new NewTopic(topic, 1, (short) 1)))
          .all()
          .get(60, TimeUnit.SECONDS);
    }
  }

  static Tokenmeter.Builder sdk(String bootstrap, String topic) {
    return Tokenmeter.builder()
        .bootstrapServers(bootstrap)
        .topic(topic)
        .service("it-service")
        .environment("it")
        .fingerprintSecret(SECRET);
  }

  /** Reads decoded events until {@code done} holds for what was read. */
  static List<ConsumerRecord<String, LlmCallEvent>> readEvents(
      String bootstrap, String topic, Predicate<List<ConsumerRecord<String, LlmCallEvent>>> done) {
    return read(
        bootstrap,
        topic,
        new StringDeserializer(),
        new AvroDeserializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry()),
        done);
  }

  /** Reads the raw bytes (keys, values, headers) until {@code done} holds. */
  static List<ConsumerRecord<byte[], byte[]>> readRaw(
      String bootstrap, String topic, Predicate<List<ConsumerRecord<byte[], byte[]>>> done) {
    return read(bootstrap, topic, new ByteArrayDeserializer(), new ByteArrayDeserializer(), done);
  }

  private static <K, V> List<ConsumerRecord<K, V>> read(
      String bootstrap,
      String topic,
      Deserializer<K> keys,
      Deserializer<V> values,
      Predicate<List<ConsumerRecord<K, V>>> done) {
    Map<String, Object> conf = Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        bootstrap,
        ConsumerConfig.GROUP_ID_CONFIG,
        "it-reader-" + UUID.randomUUID(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
        "earliest",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
        "read_committed");
    List<ConsumerRecord<K, V>> out = new ArrayList<>();
    try (KafkaConsumer<K, V> consumer = new KafkaConsumer<>(conf, keys, values)) {
      consumer.subscribe(Set.of(topic));
      await().atMost(READ_TIMEOUT).pollDelay(Duration.ZERO).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
        return done.test(out);
      });
    }
    return out;
  }
}
