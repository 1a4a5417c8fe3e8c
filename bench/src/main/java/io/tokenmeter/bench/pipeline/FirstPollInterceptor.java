package io.tokenmeter.bench.pipeline;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Installed on the Streams app's main consumer (kafka.client.main.consumer.interceptor.classes) to
 * start the clock at the first poll that returned records: the app's startup, topic creation and
 * group join are not its throughput.
 */
public final class FirstPollInterceptor implements ConsumerInterceptor<Object, Object> {

  static final AtomicLong FIRST_RECORD_AT_MS = new AtomicLong();
  static final AtomicLong CPU_AT_FIRST_RECORD = new AtomicLong();

  @Override
  public ConsumerRecords<Object, Object> onConsume(ConsumerRecords<Object, Object> records) {
    if (!records.isEmpty() && FIRST_RECORD_AT_MS.get() == 0) {
      long cpu = Cpu.processNanos();
      if (FIRST_RECORD_AT_MS.compareAndSet(0, System.currentTimeMillis())) {
        CPU_AT_FIRST_RECORD.set(cpu);
      }
    }
    return records;
  }

  @Override
  public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {}

  @Override
  public void close() {}

  @Override
  public void configure(Map<String, ?> configs) {}
}
