package io.tokenmeter.bench.pipeline;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a whole topic from the beginning, read_committed: only what a downstream consumer of the
 * pipeline would see. Under exactly-once, aborted output must not count toward the gate.
 */
final class TopicReader implements AutoCloseable {

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final List<TopicPartition> partitions;

  TopicReader(String bootstrap, String topic) {
    consumer = new KafkaConsumer<>(
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            "read_committed",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            false,
            ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
            5000),
        new ByteArrayDeserializer(),
        new ByteArrayDeserializer());
    partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
        .map(p -> new TopicPartition(topic, p.partition()))
        .toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
  }

  ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
    // A topic nobody created (the floor writes no dead letters) has no partitions to poll.
    return partitions.isEmpty() ? ConsumerRecords.empty() : consumer.poll(timeout);
  }

  /** True once every partition's position has reached its last stable offset, as of now. */
  boolean atEnd() {
    for (Map.Entry<TopicPartition, Long> e : consumer.endOffsets(partitions).entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Counts the records currently in the topic by the value of one header, "(none)" when absent:
   * the dead-letter check says why records were not counted, not only how many.
   */
  static Map<String, Long> countByHeader(String bootstrap, String topic, String header) {
    Map<String, Long> counts = new java.util.TreeMap<>();
    try (TopicReader r = new TopicReader(bootstrap, topic)) {
      while (!r.atEnd()) {
        for (var rec : r.poll(Duration.ofMillis(500))) {
          var h = rec.headers().lastHeader(header);
          String v =
              h == null ? "(none)" : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8);
          counts.merge(v, 1L, Long::sum);
        }
      }
    }
    return counts;
  }

  @Override
  public void close() {
    consumer.close();
  }
}
