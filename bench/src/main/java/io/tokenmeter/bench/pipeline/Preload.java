package io.tokenmeter.bench.pipeline;

import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.schemas.serde.AvroSerializer;
import io.tokenmeter.sdk.Tokenmeter;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes the benchmark's input once, the way the SDK writes it: String key by {@code
 * CallEventKeys}, Avro single-object encoding, the SDK's producer settings (lz4, linger), record
 * timestamp = event time. Ten simulated minutes in order, with a jitter below the grace period so
 * that no event is late.
 */
final class Preload {

  /** The builder checks for a fingerprint secret; the harness writes its own events, so none is used. */
  private static final String UNUSED_SECRET = "bench-preload-no-api-key-is-ever-fingerprinted-here";

  static final long SIMULATED_MILLIS = Duration.ofMinutes(10).toMillis();

  private Preload() {}

  static void createTopic(String bootstrap, String topic, int partitions) {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin
          .createTopics(List.of(
              new NewTopic(topic, partitions, (short) 1).configs(Map.of("retention.ms", "-1"))))
          .all()
          .get();
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "cannot create topic " + topic + ": " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The producer the SDK would build, for this harness's own sends. */
  static Producer<String, LlmCallEvent> sdkProducer(String bootstrap, String clientId) {
    Map<String, Object> config = new HashMap<>(Tokenmeter.builder()
        .bootstrapServers(bootstrap)
        .service(clientId)
        .environment("bench")
        .fingerprintSecret(UNUSED_SECRET)
        .deliveryTimeout(Duration.ofMinutes(2))
        .producerConfig());
    config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    // The SDK drops on a full buffer after 500 ms; the harness must not drop, so it waits instead.
    config.put("max.block.ms", 120_000);
    return new KafkaProducer<>(
        config,
        new StringSerializer(),
        new AvroSerializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry()));
  }

  /**
   * Produces {@code events} events starting at {@code startMs} and returns their totals.
   *
   * @param jitterMillis at most a quarter of the grace period: two events jittered in opposite
   *     directions are 2 × jitter apart, and that must stay under grace
   */
  static Totals run(
      String bootstrap,
      String topic,
      long events,
      long startMs,
      long jitterMillis,
      EventGenerator generator) {
    AtomicReference<Exception> failure = new AtomicReference<>();
    try (Producer<String, LlmCallEvent> producer =
        sdkProducer(bootstrap, "tokenmeter-bench-preload")) {
      java.util.Random jitter = new java.util.Random(42);
      for (long i = 0; i < events; i++) {
        long base = startMs + (long) ((double) i * SIMULATED_MILLIS / events);
        long ts = base
            + (jitterMillis == 0
                ? 0
                : (long) (jitter.nextDouble() * 2 * jitterMillis) - jitterMillis);
        LlmCallEvent e = generator.next(ts);
        producer.send(new ProducerRecord<>(topic, null, ts, EventGenerator.key(e), e), (md, ex) -> {
          if (ex != null) {
            failure.compareAndSet(null, ex);
          }
        });
        if (failure.get() != null) {
          break;
        }
      }
      producer.flush();
    }
    if (failure.get() != null) {
      throw new IllegalStateException("preload failed: " + failure.get(), failure.get());
    }
    return generator.totals();
  }
}
