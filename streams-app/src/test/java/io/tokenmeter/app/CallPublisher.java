package io.tokenmeter.app;

import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.schemas.serde.AvroSerializer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes a {@link CallTrace} in the background at a steady rate, as services would, with an
 * idempotent producer (acks=all), so the app under test always has events in flight. Remembers
 * where every send landed.
 */
final class CallPublisher implements AutoCloseable {

  /** Where one send landed. */
  record Landed(String eventId, TopicPartition partition, long offset) {}

  private static final long TICK_MILLIS = 20;

  private final KafkaProducer<String, LlmCallEvent> producer;
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "call-publisher");
    t.setDaemon(true);
    return t;
  });
  private final AtomicInteger next = new AtomicInteger();
  private final Map<Integer, Landed> landed = new ConcurrentHashMap<>();
  private final CompletableFuture<Void> done = new CompletableFuture<>();

  private CallPublisher(String bootstrapServers) {
    producer = new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrapServers,
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            true,
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.LINGER_MS_CONFIG,
            5,
            ProducerConfig.COMPRESSION_TYPE_CONFIG,
            "lz4"),
        new StringSerializer(),
        new AvroSerializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry()));
  }

  /** Starts sending {@code trace} to {@code topic} at about {@code perSecond} events a second. */
  static CallPublisher start(
      String bootstrapServers, String topic, CallTrace trace, int perSecond) {
    CallPublisher p = new CallPublisher(bootstrapServers);
    int perTick = Math.max(1, (int) (perSecond * TICK_MILLIS / 1000));
    List<LlmCallEvent> sends = trace.sends();
    p.ticker.scheduleAtFixedRate(
        () -> {
          try {
            for (int n = 0; n < perTick && p.next.get() < sends.size(); n++) {
              int i = p.next.getAndIncrement();
              LlmCallEvent e = sends.get(i);
              p.producer.send(
                  new ProducerRecord<>(
                      topic, null, e.getTimestamp().toEpochMilli(), CallTrace.recordKey(e), e),
                  (meta, error) -> {
                    if (error != null) {
                      p.done.completeExceptionally(error);
                    } else {
                      p.landed.put(
                          i,
                          new Landed(
                              e.getEventId(),
                              new TopicPartition(meta.topic(), meta.partition()),
                              meta.offset()));
                    }
                  });
            }
            if (p.next.get() >= sends.size() && !p.done.isDone()) {
              p.producer.flush();
              p.done.complete(null);
            }
          } catch (RuntimeException e) {
            p.done.completeExceptionally(e);
          }
        },
        0,
        TICK_MILLIS,
        TimeUnit.MILLISECONDS);
    // Once everything is sent, or sending failed, the schedule has nothing left to do.
    p.done.whenComplete((ok, error) -> p.ticker.shutdown());
    return p;
  }

  /** How many sends have been handed to the producer so far. */
  int handedOver() {
    return next.get();
  }

  /** Completes once the whole trace is acknowledged by the broker. */
  CompletableFuture<Void> done() {
    return done;
  }

  /** Where each send landed; complete once {@link #done()} is. */
  List<Landed> landed() {
    return landed.values().stream().toList();
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    producer.close(Duration.ofSeconds(10));
  }
}
