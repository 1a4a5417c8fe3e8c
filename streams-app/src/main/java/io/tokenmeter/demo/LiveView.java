package io.tokenmeter.demo;

import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.UsageRollup;
import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Prints final rollups and alert state changes as the app commits them: what an on-call engineer
 * or a dashboard would see, one line each. Reads committed records only, as any consumer of an
 * exactly-once app should.
 */
public final class LiveView implements Runnable, AutoCloseable {

  private static final DateTimeFormatter MINUTE =
      DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);

  private final KafkaConsumer<String, byte[]> consumer;
  private final String rollupsTopic;
  private final String alertsTopic;
  private final AvroDeserializer<UsageRollup> rollups =
      new AvroDeserializer<>(UsageRollup.class, AvroSerdeConfig.withoutRegistry());
  private final AvroDeserializer<Alert> alerts =
      new AvroDeserializer<>(Alert.class, AvroSerdeConfig.withoutRegistry());
  private final PrintWriter out;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong rollupCount = new AtomicLong();
  private final AtomicLong alertCount = new AtomicLong();

  public LiveView(
      String bootstrapServers, String rollupsTopic, String alertsTopic, PrintWriter out) {
    this.rollupsTopic = rollupsTopic;
    this.alertsTopic = alertsTopic;
    this.out = out;
    this.consumer = new KafkaConsumer<>(
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
            ConsumerConfig.GROUP_ID_CONFIG, "tokenmeter-demo-view",
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
        new StringDeserializer(),
        new ByteArrayDeserializer());
  }

  /** Rollups printed so far. */
  public long rollups() {
    return rollupCount.get();
  }

  /** Alert state changes printed so far. */
  public long alerts() {
    return alertCount.get();
  }

  @Override
  public void run() {
    try {
      consumer.subscribe(List.of(rollupsTopic, alertsTopic));
      while (!closed.get()) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          if (r.topic().equals(alertsTopic)) {
            print(alerts.deserialize(r.topic(), r.value()));
          } else {
            print(rollups.deserialize(r.topic(), r.value()));
          }
        }
      }
    } catch (WakeupException e) {
      if (!closed.get()) {
        throw e;
      }
    } finally {
      consumer.close();
    }
  }

  private void print(UsageRollup r) {
    rollupCount.incrementAndGet();
    out.printf(
        "rollup %s  %-10s %-13s %-13s %-26s %-10s %5d req %3d err %8d in %7d out  %s  p95 %s  peak %s%n",
        MINUTE.format(r.getWindowStart()),
        r.getOrgId(),
        r.getProjectId(),
        r.getService(),
        r.getModel(),
        r.getApiKeyHint() == null ? "-" : r.getApiKeyHint(),
        r.getRequests(),
        r.getErrors(),
        r.getInputTokens(),
        r.getOutputTokens(),
        r.getCostMicros() == null ? "cost n/a" : dollars(r.getCostMicros()),
        r.getLatencyP95Ms() == null ? "-" : Math.round(r.getLatencyP95Ms()) + "ms",
        r.getPeakRateLimitUtilization() == null
            ? "-"
            : Math.round(r.getPeakRateLimitUtilization() * 100) + "%");
    out.flush();
  }

  private void print(Alert a) {
    alertCount.incrementAndGet();
    out.printf("ALERT  %-8s %-8s %s%n", a.getState(), a.getSeverity(), a.getSummary());
    out.flush();
  }

  private static String dollars(long micros) {
    return "$" + BigDecimal.valueOf(micros, 6).toPlainString();
  }

  @Override
  public void close() {
    closed.set(true);
    consumer.wakeup();
  }
}
