package io.tokenmeter.bench.pipeline;

import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.RateLimitSnapshot;
import io.tokenmeter.schemas.UsageRollup;
import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;

/**
 * Latency under a steady load (half the measured exactly-once throughput), with live timestamps:
 * how long after its event an alert is readable, and how long after a minute ends its final
 * rollups are. Alerts are triggered by one event each: a fresh org whose rate-limit snapshot says
 * 99% of its request limit is used, which the rate-limit detector turns into a critical alert on
 * that very event (docs/alerts.md). Both consumers read committed data only, as downstream would.
 */
final class LatencyRun {

  static final long TRIGGER_EVERY_MS = 2000;
  static final String TRIGGER_MODEL = "gpt-4o";

  private LatencyRun() {}

  static Map<String, Object> run(
      String bootstrap,
      BenchOptions options,
      double ratePerSecond,
      Path workDir,
      String classpath,
      long seed)
      throws Exception {
    String suffix = "-latency-" + System.currentTimeMillis();
    String topic = "bench.calls" + suffix;
    Preload.createTopic(bootstrap, topic, options.partitions());
    TokenmeterContender eos = TokenmeterContender.eos();
    Path stateDir = Files.createTempDirectory("tokenmeter-bench-state-");
    Map<String, String> config = eos.config(bootstrap, topic, suffix, stateDir, options);
    EventGenerator generator = EventGenerator.seeded(seed + 7);
    Map<String, Long> triggers = new ConcurrentHashMap<>();
    List<Long> alertLatencies = new CopyOnWriteArrayList<>();
    List<Long> rollupLatencies = new CopyOnWriteArrayList<>();
    AtomicLong rolledUp = new AtomicLong();
    AtomicLong target = new AtomicLong(Long.MAX_VALUE);
    AtomicBoolean stop = new AtomicBoolean();
    long produced = 0;
    try (ChildProcess child = ChildProcess.start(
        "tokenmeter-eos",
        classpath,
        TokenmeterChild.class.getName(),
        TokenmeterContender.args(workDir.resolve("latency" + suffix + ".json"), config),
        workDir.resolve("tokenmeter-eos" + suffix + ".log"))) {
      awaitStableGroup(bootstrap, config.get("kafka.application.id"), child);
      Thread alerts = reader("latency-alerts", () -> {
        AvroDeserializer<Alert> avro =
            new AvroDeserializer<>(Alert.class, AvroSerdeConfig.withoutRegistry());
        try (TopicReader r = new TopicReader(bootstrap, config.get("topics.alerts"))) {
          while (!stop.get()) {
            for (ConsumerRecord<byte[], byte[]> rec : r.poll(Duration.ofMillis(100))) {
              long arrival = System.currentTimeMillis();
              Alert a = avro.deserialize(rec.topic(), rec.value());
              Long ts = a.getState() == AlertState.FIRING
                  ? triggers.remove(a.getScope().getOrDefault("org_id", ""))
                  : null;
              if (ts != null) {
                alertLatencies.add(arrival - ts);
              }
            }
          }
        }
      });
      Thread rollups = reader("latency-rollups", () -> {
        AvroDeserializer<UsageRollup> avro =
            new AvroDeserializer<>(UsageRollup.class, AvroSerdeConfig.withoutRegistry());
        try (TopicReader r = new TopicReader(bootstrap, config.get("topics.rollups"))) {
          while (!stop.get() && rolledUp.get() < target.get()) {
            for (ConsumerRecord<byte[], byte[]> rec : r.poll(Duration.ofMillis(100))) {
              long arrival = System.currentTimeMillis();
              UsageRollup u = avro.deserialize(rec.topic(), rec.value());
              rollupLatencies.add(arrival - u.getWindowEnd().toEpochMilli());
              rolledUp.addAndGet(u.getRequests());
            }
          }
        }
      });
      produced =
          produce(bootstrap, topic, generator, ratePerSecond, options.latencySeconds(), triggers);
      target.set(produced);
      // The last minute closes by the wall clock: its end, then grace of idle input, then a commit.
      long deadline = System.currentTimeMillis()
          + Duration.ofSeconds(60 + options.graceSeconds() + 90).toMillis();
      rollups.join(Math.max(1, deadline - System.currentTimeMillis()));
      stop.set(true);
      rollups.join(10_000);
      alerts.join(10_000);
    } finally {
      stop.set(true);
      PipelineBench.deleteRecursively(stateDir);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("seconds", options.latencySeconds());
    m.put("ratePerSecond", Math.round(ratePerSecond));
    m.put("graceSeconds", options.graceSeconds());
    m.put("produced", produced);
    m.put("rolledUpRequests", rolledUp.get());
    m.put(
        "gate",
        rolledUp.get() == produced
            ? "pass"
            : "FAIL: rollups counted " + rolledUp.get() + " of " + produced + " requests");
    m.put("alertTriggers", produced == 0 ? 0 : alertLatencies.size() + triggers.size());
    m.put("eventToAlert", percentiles(alertLatencies));
    m.put("windowEndToRollup", percentiles(rollupLatencies));
    return m;
  }

  /**
   * Paced by the clock, not by sleeps: event i is due at start + i/rate, and a late sender catches
   * up rather than drifting. Every 2 s one event is an alert trigger for a fresh org.
   */
  private static long produce(
      String bootstrap,
      String topic,
      EventGenerator generator,
      double rate,
      int seconds,
      Map<String, Long> triggers) {
    long intervalNanos = (long) (1e9 / rate);
    long start = System.nanoTime();
    long end = start + Duration.ofSeconds(seconds).toNanos();
    long nextTrigger = System.currentTimeMillis() + TRIGGER_EVERY_MS;
    int triggerIndex = 0;
    long produced = 0;
    List<Dimensions.ApiKey> keys = generator.dimensions().keys();
    try (Producer<String, LlmCallEvent> producer =
        Preload.sdkProducer(bootstrap, "tokenmeter-bench-latency")) {
      for (long i = 0; ; i++) {
        long due = start + i * intervalNanos;
        if (due >= end) {
          break;
        }
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        long now = System.currentTimeMillis();
        LlmCallEvent e;
        if (now >= nextTrigger) {
          String org = "bench-alert-" + (++triggerIndex);
          Dimensions.ApiKey k = keys.get(triggerIndex % keys.size());
          e = generator.event(
              now,
              TRIGGER_MODEL,
              new Dimensions.ApiKey(org, "proj-a", k.fingerprint(), k.hint()),
              "latency-probe",
              new RateLimitSnapshot(1000L, null, 10L, null, 30_000L, null));
          triggers.put(org, now);
          nextTrigger += TRIGGER_EVERY_MS;
        } else {
          e = generator.next(now);
        }
        producer.send(new ProducerRecord<>(topic, null, now, EventGenerator.key(e), e));
        produced++;
      }
      producer.flush();
    }
    return produced;
  }

  private static void awaitStableGroup(String bootstrap, String group, ChildProcess child)
      throws Exception {
    long deadline = System.currentTimeMillis() + 180_000;
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      while (System.currentTimeMillis() < deadline && child.isAlive()) {
        try {
          GroupState state = admin
              .describeConsumerGroups(List.of(group))
              .all()
              .get()
              .get(group)
              .groupState();
          if (state == GroupState.STABLE) {
            return;
          }
        } catch (java.util.concurrent.ExecutionException e) {
          if (!(e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException)) {
            throw e;
          }
          // the app has not joined yet
        }
        child.waitFor(Duration.ofMillis(200));
      }
    }
    throw new IllegalStateException(
        "tokenmeter-eos did not join its group within 180 s:\n" + child.tail());
  }

  private static Thread reader(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  static Map<String, Object> percentiles(List<Long> values) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", values.size());
    if (!values.isEmpty()) {
      long[] sorted = Stats.sorted(new ArrayList<>(values));
      m.put("p50", Stats.percentile(sorted, 50));
      m.put("p99", Stats.percentile(sorted, 99));
      m.put("max", sorted[sorted.length - 1]);
    }
    return m;
  }
}
