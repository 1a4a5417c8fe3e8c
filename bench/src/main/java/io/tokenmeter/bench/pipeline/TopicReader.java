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
    consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
    partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
        .map(p -> new TopicPartition(topic, p.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
  }

  ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
    return consumer.poll(timeout);
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

  /** Counts the records currently in the topic (for the dead-letter check). */
  static long count(String bootstrap, String topic) {
    try (TopicReader r = new TopicReader(bootstrap, topic)) {
      long n = 0;
      while (!r.atEnd()) {
        n += r.poll(Duration.ofMillis(500)).count();
      }
      return n;
    }
  }

  @Override
  public void close() {
    consumer.close();
  }
}
