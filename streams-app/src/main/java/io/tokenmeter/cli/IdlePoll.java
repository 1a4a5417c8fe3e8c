package io.tokenmeter.cli;

import java.time.Duration;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Polls until {@code idleTimeout} passes without a new record or {@code max} records were read.
 * The poll itself waits for the rest of the idle time, so records are handed on as they arrive.
 */
final class IdlePoll {

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Duration idleTimeout;
  private final long max;

  IdlePoll(KafkaConsumer<byte[], byte[]> consumer, Duration idleTimeout, long max) {
    this.consumer = consumer;
    this.idleTimeout = idleTimeout;
    this.max = max;
  }

  /** Hands each record to {@code action}, at most {@code max} of them, until it returns false. */
  void forEach(Predicate<ConsumerRecord<byte[], byte[]>> action) {
    long read = 0;
    long lastRecordAt = System.nanoTime();
    while (read < max) {
      long idle = System.nanoTime() - lastRecordAt;
      Duration left = idleTimeout.minusNanos(idle);
      if (left.isNegative() || left.isZero()) {
        return;
      }
      ConsumerRecords<byte[], byte[]> records = consumer.poll(left);
      if (!records.isEmpty()) {
        lastRecordAt = System.nanoTime();
      }
      for (ConsumerRecord<byte[], byte[]> record : records) {
        if (!action.test(record) || ++read == max) {
          return;
        }
      }
    }
  }
}
