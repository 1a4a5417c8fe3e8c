package io.tokenmeter.app;

import static org.awaitility.Awaitility.await;

import io.tokenmeter.app.CallTrace.RollupId;
import io.tokenmeter.schemas.UsageRollup;
import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads the rollups topic as its consumers do: from the start, {@code read_committed}. */
final class FinalRollups {

  private FinalRollups() {}

  /**
   * Every committed rollup, once all of {@code expected} have arrived (or {@code timeout} passes)
   * and the topic has been read to its end, so that any extra or repeated rollup is included.
   */
  static List<UsageRollup> read(
      String bootstrapServers, String topic, Set<RollupId> expected, Duration timeout) {
    return read(
        Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers),
        topic,
        expected,
        timeout);
  }

  /** As above, for an app that writes its rollups through a schema registry ({@code avro}). */
  static List<UsageRollup> read(
      String bootstrapServers,
      String topic,
      Set<RollupId> expected,
      Duration timeout,
      AvroSerdeConfig avro) {
    return read(
        Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers),
        topic,
        expected,
        timeout,
        avro);
  }

  /** As {@link #read(String, String, Set, Duration)}, connecting with {@code client} (security settings too). */
  static List<UsageRollup> read(
      Map<String, String> client, String topic, Set<RollupId> expected, Duration timeout) {
    return read(client, topic, expected, timeout, AvroSerdeConfig.withoutRegistry());
  }

  private static List<UsageRollup> read(
      Map<String, String> client,
      String topic,
      Set<RollupId> expected,
      Duration timeout,
      AvroSerdeConfig avro) {
    Map<String, Object> props = new java.util.HashMap<>(client);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "reliability-reader-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<UsageRollup> rollups = new ArrayList<>();
    try (KafkaConsumer<String, UsageRollup> consumer = new KafkaConsumer<>(
        props, new StringDeserializer(), new AvroDeserializer<>(UsageRollup.class, avro))) {
      consumer.subscribe(List.of(topic));
      await("rollups for all " + expected.size() + " windows and dimension sets")
          .atMost(timeout)
          .pollInterval(Duration.ZERO)
          .until(() -> {
            consumer.poll(Duration.ofMillis(500)).forEach(r -> rollups.add(r.value()));
            return rollups.stream()
                .map(RollupId::of)
                .collect(Collectors.toSet())
                .containsAll(expected);
          });
      Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
      await("rollups topic read to its end")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ZERO)
          .until(() -> {
            consumer.poll(Duration.ofMillis(200)).forEach(r -> rollups.add(r.value()));
            return end.entrySet().stream()
                .allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
          });
    }
    return rollups;
  }
}
