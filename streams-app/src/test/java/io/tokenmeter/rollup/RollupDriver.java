package io.tokenmeter.rollup;

import io.tokenmeter.app.StreamsProperties;
import io.tokenmeter.app.TokenmeterTopology;
import io.tokenmeter.config.AlertSettings;
import io.tokenmeter.config.KafkaSettings;
import io.tokenmeter.config.PricingSettings;
import io.tokenmeter.config.RollupSettings;
import io.tokenmeter.config.TokenmeterConfig;
import io.tokenmeter.config.TopicSettings;
import io.tokenmeter.cost.Pricing;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.CallEventKeys;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.UsageRollup;
import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.schemas.serde.AvroSerializer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The whole topology in a {@link TopologyTestDriver}, with the wall clock starting at {@code
 * start}, and the calls, rollups, alerts and dead-letter topics at hand. Public for the alert
 * stories, which run through the same full topology.
 */
public final class RollupDriver implements AutoCloseable {

  static final String CALLS = "llm.calls";
  static final String ROLLUPS = "llm.rollups.1m";
  static final String DEAD_LETTERS = "llm.calls.dlq";
  static final String ALERTS = "llm.alerts";
  static final AlertSettings DEFAULT_ALERTS = new AlertSettings(
      0.8, 0.95, 2, List.of(), new AlertSettings.ErrorRate(20, 3.0, 0.05, 0.2), Set.of());

  private final TopologyTestDriver driver;
  private final TestInputTopic<byte[], byte[]> calls;
  private final TestOutputTopic<String, UsageRollup> rollups;
  private final TestOutputTopic<byte[], byte[]> deadLetters;
  private final TestOutputTopic<String, Alert> alerts;
  private final AvroSerializer<LlmCallEvent> serializer =
      new AvroSerializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry());
  public final TokenmeterConfig config;

  RollupDriver(RollupSettings rollup, Pricing pricing, Instant start) {
    this(rollup, DEFAULT_ALERTS, pricing, start);
  }

  public RollupDriver(
      RollupSettings rollup, AlertSettings alertSettings, Pricing pricing, Instant start) {
    this.config = config(rollup, alertSettings, "unused:9092");
    driver = new TopologyTestDriver(
        TokenmeterTopology.build(config, pricing), StreamsProperties.of(config), start);
    calls = driver.createInputTopic(CALLS, new ByteArraySerializer(), new ByteArraySerializer());
    rollups = driver.createOutputTopic(
        ROLLUPS,
        new StringDeserializer(),
        new AvroDeserializer<>(UsageRollup.class, AvroSerdeConfig.withoutRegistry()));
    deadLetters = driver.createOutputTopic(
        DEAD_LETTERS, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    alerts = driver.createOutputTopic(
        ALERTS,
        new StringDeserializer(),
        new AvroDeserializer<>(Alert.class, AvroSerdeConfig.withoutRegistry()));
  }

  /**
   * Settings for stories whose events run minutes or hours ahead of a wall clock that stands still
   * at the driver's start: no event is {@code future}, and only the 24 h bound of {@code invalid}
   * holds. Stories of a producer with a fast clock give the tolerance ({@link #rollup(Duration,
   * Duration, int, Duration)}) and move the wall clock with their traffic.
   */
  public static RollupSettings rollup(Duration grace, Duration dedupHorizon, int maxDistinct) {
    return rollup(grace, dedupHorizon, maxDistinct, Duration.ofDays(1));
  }

  public static RollupSettings rollup(
      Duration grace, Duration dedupHorizon, int maxDistinct, Duration futureTolerance) {
    return new RollupSettings(
        grace,
        dedupHorizon,
        Duration.ofSeconds(1),
        maxDistinct,
        futureTolerance,
        1000,
        Duration.ofHours(24));
  }

  public static RollupSettings rollup(
      Duration grace,
      Duration dedupHorizon,
      int maxDistinct,
      int maxPerTenant,
      Duration expireAfter) {
    return new RollupSettings(
        grace,
        dedupHorizon,
        Duration.ofSeconds(1),
        maxDistinct,
        Duration.ofDays(1),
        maxPerTenant,
        expireAfter);
  }

  static TokenmeterConfig config(RollupSettings rollup, String bootstrap) {
    return config(rollup, DEFAULT_ALERTS, bootstrap);
  }

  static TokenmeterConfig config(
      RollupSettings rollup, AlertSettings alertSettings, String bootstrap) {
    Path stateDir;
    try {
      stateDir = Files.createTempDirectory("tokenmeter-state-");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return new TokenmeterConfig(
        new KafkaSettings(
            bootstrap,
            "tokenmeter-test",
            KafkaSettings.ProcessingGuarantee.EXACTLY_ONCE_V2,
            stateDir,
            Duration.ofMillis(100),
            1024 * 1024,
            1,
            Duration.ofMinutes(1),
            Optional.empty(),
            Map.of()),
        new TopicSettings(
            CALLS,
            ROLLUPS,
            ALERTS,
            DEAD_LETTERS,
            2,
            (short) 1,
            Duration.ofDays(7),
            Duration.ofDays(7)),
        rollup,
        alertSettings,
        new PricingSettings(Optional.empty()));
  }

  /** Sends {@code event} keyed as the producer SDK keys it, with its event time as timestamp. */
  public RollupDriver send(LlmCallEvent event) {
    return send(CallEventKeys.of(event), event);
  }

  RollupDriver send(String key, LlmCallEvent event) {
    return sendRaw(
        key == null ? null : key.getBytes(StandardCharsets.UTF_8),
        bytes(event),
        new RecordHeaders(),
        event.getTimestamp());
  }

  RollupDriver sendRaw(byte[] key, byte[] value, Headers headers, Instant timestamp) {
    calls.pipeInput(new TestRecord<>(key, value, headers, timestamp));
    return this;
  }

  byte[] bytes(LlmCallEvent event) {
    return serializer.serialize(CALLS, event);
  }

  public RollupDriver advanceWallClock(Duration d) {
    driver.advanceWallClockTime(d);
    return this;
  }

  public List<TestRecord<String, Alert>> alerts() {
    return alerts.readRecordsToList();
  }

  List<TestRecord<String, UsageRollup>> rollups() {
    return rollups.readRecordsToList();
  }

  List<TestRecord<byte[], byte[]>> deadLetters() {
    return deadLetters.readRecordsToList();
  }

  /** A per-task metric, summed over the tasks; per-tenant metrics of the same name are left out. */
  double metric(String name, String reason) {
    return driver.metrics().entrySet().stream()
        .filter(e -> e.getKey().name().equals(name))
        .filter(e -> !e.getKey().tags().containsKey("org_id"))
        .filter(e -> reason == null || reason.equals(e.getKey().tags().get("reason")))
        .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue())
        .sum();
  }

  /** A per-tenant metric, summed over the tasks; 0 when the tenant has none. */
  double tenantMetric(String name, String orgId, String projectId) {
    return driver.metrics().entrySet().stream()
        .filter(e -> e.getKey().name().equals(name))
        .filter(e -> orgId.equals(e.getKey().tags().get("org_id"))
            && projectId.equals(e.getKey().tags().get("project_id")))
        .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue())
        .sum();
  }

  /** Tenants with a per-tenant metric called {@code name}, as {@code org_id/project_id}. */
  Set<String> tenantsWithMetric(String name) {
    return driver.metrics().keySet().stream()
        .filter(m -> m.name().equals(name) && m.tags().containsKey("org_id"))
        .map(m -> m.tags().get("org_id") + "/" + m.tags().get("project_id"))
        .collect(java.util.stream.Collectors.toSet());
  }

  static String header(TestRecord<?, ?> r, String name) {
    var h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  /** A key-value store of the topology, as the query API reads it. */
  public <K, V> org.apache.kafka.streams.state.KeyValueStore<K, V> keyValueStore(String name) {
    return driver.getKeyValueStore(name);
  }

  /** Any store by name, for those that are not key-value stores to the driver (the heap stores). */
  public org.apache.kafka.streams.processor.StateStore stateStore(String name) {
    return driver.getAllStateStores().get(name);
  }

  /**
   * Drops what the driver has kept of every other topic written (changelogs, repartitions), which
   * it holds until read: a long run would otherwise fill the test's heap with copies.
   */
  public void discardOtherOutput() {
    for (String topic : driver.producedTopicNames()) {
      if (!Set.of(ROLLUPS, DEAD_LETTERS, ALERTS).contains(topic)) {
        driver
            .createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer())
            .readRecordsToList();
      }
    }
  }

  /**
   * Entries in every state store of the topology, by store name, counted one by one (a window store
   * counts each (key, window)); {@link HeapStore}s count what they have written to their logged
   * store, which after each record's commit is every value they hold.
   */
  public Map<String, Long> stateStoreSizes() {
    Map<String, Long> sizes = new java.util.TreeMap<>();
    driver.getAllStateStores().forEach((name, store) -> sizes.put(name, entries(store)));
    return sizes;
  }

  private static long entries(org.apache.kafka.streams.processor.StateStore store) {
    if (store instanceof HeapStateStore heap) {
      return heap.storedCount();
    }
    long n = 0;
    if (store instanceof org.apache.kafka.streams.state.ReadOnlyKeyValueStore<?, ?> kv) {
      try (var all = kv.all()) {
        for (; all.hasNext(); all.next()) {
          n++;
        }
      }
      return n;
    }
    if (store instanceof org.apache.kafka.streams.state.ReadOnlyWindowStore<?, ?> windows) {
      try (var all = windows.all()) {
        for (; all.hasNext(); all.next()) {
          n++;
        }
      }
      return n;
    }
    throw new IllegalStateException(
        "cannot count the entries of " + store.name() + " (" + store.getClass() + ")");
  }

  @Override
  public void close() {
    driver.close();
  }
}
