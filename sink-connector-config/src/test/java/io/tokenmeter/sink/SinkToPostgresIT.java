package io.tokenmeter.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenmeter.app.TokenmeterApp;
import io.tokenmeter.config.ConfigLoader;
import io.tokenmeter.config.TokenmeterConfig;
import io.tokenmeter.connect.RollupConnectJson;
import io.tokenmeter.cost.Pricing;
import io.tokenmeter.schemas.CallEventKeys;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.SdkInfo;
import io.tokenmeter.schemas.UsageRollup;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.schemas.serde.AvroSerializer;
import io.tokenmeter.testkit.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole sink, as shipped: PostgreSQL with the tables of {@code sql/schema.sql}, a broker, a
 * Connect worker from {@code connect-distributed.properties} with the Debezium JDBC sink plugin,
 * the two connectors of {@code connectors/} (their {@code ${env:...}} placeholders filled from the
 * worker's environment), and the app with {@code connect.json.enabled}. A known trace goes in,
 * with duplicates; then the trace again; then the same rollups straight onto the Connect topic;
 * then a poison record. PostgreSQL holds exactly the trace's aggregation throughout.
 */
class SinkToPostgresIT {

  private static final Path CONFIG_DIR = Path.of(System.getProperty("sink.config.dir", "."));
  private static final String ROLLUPS_CONNECT = "llm.rollups.1m.connect";
  private static final String ALERTS_CONNECT = "llm.alerts.connect";
  private static final String ROLLUPS_DLQ = "llm.rollups.1m.connect.dlq";

  /** gpt-4o: 2 and 10 micro-dollars per input and output token; gpt-4o-mini: 1 and 4; local-llama unpriced. */
  private static final Pricing PRICING = new Pricing() {
    @Override
    public String version() {
      return "sink-it-1";
    }

    @Override
    public OptionalLong costMicros(LlmCallEvent e) {
      return switch (e.getRequestModel()) {
        case "gpt-4o" -> OptionalLong.of(2 * nz(e.getInputTokens()) + 10 * nz(e.getOutputTokens()));
        case "gpt-4o-mini" -> OptionalLong.of(nz(e.getInputTokens()) + 4 * nz(e.getOutputTokens()));
        default -> OptionalLong.empty();
      };
    }
  };

  private static PostgresServer pg;
  private static KafkaBroker broker;
  private static ConnectWorker connect;
  private static Path stateDir;
  private static boolean failed = true;

  @BeforeAll
  static void start() throws Exception {
    stateDir = Files.createTempDirectory("tokenmeter-sink-it-state-");
    pg = PostgresServer.start();
    pg.runScript(CONFIG_DIR.resolve("sql/schema.sql"));
    broker = KafkaBroker.start();
    connect = ConnectWorker.start(
        CONFIG_DIR.resolve("connect-distributed.properties"),
        Map.of(
            "bootstrap.servers", broker.bootstrapServers(),
            "group.id", "sink-it-connect",
            "config.storage.replication.factor", "1",
            "offset.storage.replication.factor", "1",
            "status.storage.replication.factor", "1",
            "offset.storage.partitions", "1",
            "status.storage.partitions", "1",
            "offset.flush.interval.ms", "500",
            "plugin.path", System.getProperty("connect.plugin.path")),
        Map.of(
            "TOKENMETER_SINK_JDBC_URL",
            pg.jdbcUrl(),
            "TOKENMETER_SINK_JDBC_USER",
            PostgresServer.USER,
            "TOKENMETER_SINK_JDBC_PASSWORD",
            PostgresServer.PASSWORD,
            // This broker is alone; the shipped files take the factor from the worker's
            // environment.
            "TOKENMETER_SINK_DLQ_REPLICATION_FACTOR",
            "1"));
  }

  @AfterAll
  static void stop() {
    if (connect != null) {
      if (failed) {
        System.err.println("Connect worker log: " + connect.logFile() + "\n" + connect.tail());
      }
      connect.close(failed);
    }
    if (broker != null) {
      broker.close();
    }
    if (pg != null) {
      pg.close();
    }
    deleteRecursively(stateDir);
  }

  private static void deleteRecursively(Path dir) {
    if (dir == null) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException ignored) {
      // A temporary directory left behind is not worth failing the test for.
    }
  }

  @Test
  void postgresHoldsExactlyTheTracesRollupsThroughDuplicatesReplaysAndAPoisonRecord()
      throws Exception {
    TokenmeterConfig config = appConfig();
    List<LlmCallEvent> trace = trace(Instant.now());
    Map<RowKey, Expected> expected = expected(trace);

    try (TokenmeterApp app = new TokenmeterApp(config, PRICING)) {
      // The app creates its topics, the Connect copies included, before the connectors subscribe.
      app.start();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> app.streams().state() == KafkaStreams.State.RUNNING);
      // The shipped files exactly as they are: every deployment-specific value is an ${env:...}.
      String rollupsConnector =
          connect.createConnector(CONFIG_DIR.resolve("connectors/rollups-postgres.json"), Map.of());
      String alertsConnector =
          connect.createConnector(CONFIG_DIR.resolve("connectors/alerts-postgres.json"), Map.of());
      awaitRunning(rollupsConnector);
      awaitRunning(alertsConnector);

      // 1. The trace, each fifth call sent twice in a row (same event_id): counted once.
      send(trace, true);
      await("every rollup of the trace in PostgreSQL")
          .atMost(Duration.ofSeconds(90))
          .until(() -> rollupRows().keySet().equals(expected.keySet()));
      assertRowsEqual(expected);
      assertQueriesAgree(expected);
      assertUnpricedModelAlertIsOneRow();

      // 2. The whole trace again: its windows are closed, so the app dead-letters every call as
      // late and emits nothing; PostgreSQL does not change.
      long lateBefore = count("llm.calls.dlq");
      send(trace, false);
      await("the replayed trace dead-lettered as late")
          .atMost(Duration.ofSeconds(60))
          .until(() -> count("llm.calls.dlq") - lateBefore == trace.size());
      awaitConnectorCaughtUp(rollupsConnector, ROLLUPS_CONNECT);
      assertRowsEqual(expected);

      // 3. The same rollups again, straight onto the Connect topic, as a re-run app or a replayed
      // topic would deliver them: the upserts rewrite the same rows with the same values.
      List<ConsumerRecord<byte[], byte[]>> copies = readAll(ROLLUPS_CONNECT);
      assertThat(copies).hasSize(expected.size());
      resend(ROLLUPS_CONNECT, copies);
      resend(ALERTS_CONNECT, readAll(ALERTS_CONNECT));
      awaitConnectorCaughtUp(rollupsConnector, ROLLUPS_CONNECT);
      awaitConnectorCaughtUp(alertsConnector, ALERTS_CONNECT);
      assertRowsEqual(expected);
      assertUnpricedModelAlertIsOneRow();

      // 4. A record JsonConverter cannot read goes to the connector's dead-letter topic, with
      // Connect's context headers, and the connector goes on with the next record.
      byte[] poison = "{\"schema\": not json".getBytes(StandardCharsets.UTF_8);
      UsageRollup after = rollup("org-after-poison", trace.get(0).getTimestamp());
      try (KafkaProducer<byte[], byte[]> producer = producer()) {
        producer
            .send(new ProducerRecord<>(ROLLUPS_CONNECT, bytes("poison"), poison))
            .get();
        producer
            .send(new ProducerRecord<>(
                ROLLUPS_CONNECT, bytes("after-poison"), RollupConnectJson.toJson(after)))
            .get();
      }
      List<ConsumerRecord<byte[], byte[]>> dead = awaitRecords(ROLLUPS_DLQ, 1);
      assertThat(dead).hasSize(1);
      ConsumerRecord<byte[], byte[]> d = dead.get(0);
      assertThat(d.value()).isEqualTo(poison);
      assertThat(header(d, "__connect.errors.topic")).isEqualTo(ROLLUPS_CONNECT);
      assertThat(header(d, "__connect.errors.stage")).isEqualTo("VALUE_CONVERTER");
      assertThat(header(d, "__connect.errors.connector.name")).isEqualTo(rollupsConnector);
      assertThat(header(d, "__connect.errors.exception.class.name")).isNotBlank();
      assertThat(header(d, "__connect.errors.offset")).isNotBlank();
      await("the record after the poison in PostgreSQL")
          .atMost(Duration.ofSeconds(30))
          .until(() ->
              rollupRows().keySet().stream().anyMatch(k -> k.org().equals("org-after-poison")));
      assertThat(connect.isRunning(rollupsConnector)).isTrue();
      Map<RowKey, Expected> withAfter = new TreeMap<>(expected);
      withAfter.put(
          new RowKey(
              after.getWindowStart(), "gpt-4o", "org-after-poison", "proj-1", "f0f0", "checkout"),
          new Expected(1, 0, 10, 1, 30L));
      assertRowsEqual(withAfter);

      assertThat(app.close(Duration.ofSeconds(30))).isTrue();
    }
    failed = false;
  }

  // --- the trace and what it must produce ----------------------------------------------------

  private record Dims(String model, String org, String project, String key, String service) {}

  private static final List<Dims> DIMS = List.of(
      new Dims("gpt-4o", "org-a", "proj-1", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", "checkout"),
      new Dims("gpt-4o-mini", "org-a", "proj-1", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", "checkout"),
      new Dims("gpt-4o", "org-a", "proj-2", "a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2", "search"),
      new Dims("gpt-4o-mini", "org-b", "proj-1", "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1", "search"),
      new Dims("local-llama", "org-b", "proj-1", "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1", "batch"),
      new Dims("gpt-4o", "org-c", "", "c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9", "checkout"));

  /**
   * 90 calls over the three minutes before the current one, in event-time order, cycling through
   * the dimension sets: a call in seven fails with a rate limit or a server error.
   */
  static List<LlmCallEvent> trace(Instant now) {
    long minute = Math.floorDiv(now.toEpochMilli(), 60_000L) * 60_000L;
    Instant start = Instant.ofEpochMilli(minute - 3 * 60_000L);
    List<LlmCallEvent> calls = new ArrayList<>();
    for (int i = 0; i < 90; i++) {
      Dims d = DIMS.get(i % DIMS.size());
      LlmCallEvent.Builder b = LlmCallEvent.newBuilder()
          .setEventId("sink-it-" + i)
          .setTimestamp(start.plusMillis(i * 2_000L))
          .setSdk(new SdkInfo("sink-it", "1"))
          .setService(d.service())
          .setEnvironment("it")
          .setOrgId(d.org())
          .setProjectId(d.project())
          .setApiKeyFingerprint(d.key())
          .setApiKeyHint("sk-...abcd")
          .setProvider("openai")
          .setOperation("chat")
          .setRequestModel(d.model())
          .setDurationMs(100L + i)
          .setStatusCode(200);
      if (i % 7 == 3) {
        b.setStatusCode(i % 2 == 0 ? 429 : 503)
            .setErrorType(i % 2 == 0 ? "rate_limited" : "server")
            .setInputTokens(0L)
            .setOutputTokens(0L);
      } else {
        b.setInputTokens(100L + 7 * i).setOutputTokens(10L + i);
      }
      calls.add(b.build());
    }
    return calls;
  }

  /** The rollup's natural key, as in the primary key of llm_rollups_1m. */
  record RowKey(
      Instant windowStart, String model, String org, String project, String key, String service)
      implements Comparable<RowKey> {
    @Override
    public int compareTo(RowKey o) {
      return toString().compareTo(o.toString());
    }
  }

  record Expected(
      long requests, long errors, long inputTokens, long outputTokens, Long costMicros) {
    Expected plus(Expected o) {
      Long cost;
      if (costMicros == null) {
        cost = o.costMicros;
      } else if (o.costMicros == null) {
        cost = costMicros;
      } else {
        cost = costMicros + o.costMicros;
      }
      return new Expected(
          requests + o.requests,
          errors + o.errors,
          inputTokens + o.inputTokens,
          outputTokens + o.outputTokens,
          cost);
    }
  }

  static Map<RowKey, Expected> expected(List<LlmCallEvent> trace) {
    Map<RowKey, Expected> rows = new TreeMap<>();
    Set<String> seen = new HashSet<>();
    for (LlmCallEvent e : trace) {
      if (!seen.add(e.getEventId())) {
        continue;
      }
      long t = e.getTimestamp().toEpochMilli();
      RowKey key = new RowKey(
          Instant.ofEpochMilli(Math.floorDiv(t, 60_000L) * 60_000L),
          e.getRequestModel(),
          e.getOrgId(),
          e.getProjectId(),
          e.getApiKeyFingerprint(),
          e.getService());
      OptionalLong cost = PRICING.costMicros(e);
      rows.merge(
          key,
          new Expected(
              1,
              e.getErrorType() == null ? 0 : 1,
              e.getInputTokens(),
              e.getOutputTokens(),
              cost.isPresent() ? cost.getAsLong() : null),
          Expected::plus);
    }
    return rows;
  }

  // --- assertions on PostgreSQL --------------------------------------------------------------

  private static Map<RowKey, Expected> rollupRows() throws SQLException {
    Map<RowKey, Expected> rows = new TreeMap<>();
    try (Connection c = pg.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(
            "SELECT window_start, model, org_id, project_id, api_key_fingerprint, service,"
                + " requests, errors, input_tokens, output_tokens, cost_micros FROM llm_rollups_1m")) {
      while (rs.next()) {
        RowKey key = new RowKey(
            utc(rs, "window_start"),
            rs.getString("model"),
            rs.getString("org_id"),
            rs.getString("project_id"),
            rs.getString("api_key_fingerprint"),
            rs.getString("service"));
        // NULL, not 0, for a window without a priced call.
        Long cost = rs.getObject("cost_micros", Long.class);
        rows.put(
            key,
            new Expected(
                rs.getLong("requests"),
                rs.getLong("errors"),
                rs.getLong("input_tokens"),
                rs.getLong("output_tokens"),
                cost));
      }
    }
    return rows;
  }

  private static void assertRowsEqual(Map<RowKey, Expected> expected) throws SQLException {
    assertThat(rollupRows()).containsExactlyEntriesOf(expected);
    try (Connection c = pg.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(
            "SELECT count(*), sum(requests), sum(input_tokens), sum(output_tokens),"
                + " sum(cost_micros), min(window_end - window_start), max(window_end - window_start) FROM llm_rollups_1m")) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(expected.size());
      assertThat(rs.getLong(2))
          .isEqualTo(expected.values().stream().mapToLong(Expected::requests).sum());
      assertThat(rs.getLong(3))
          .isEqualTo(expected.values().stream().mapToLong(Expected::inputTokens).sum());
      assertThat(rs.getLong(4))
          .isEqualTo(
              expected.values().stream().mapToLong(Expected::outputTokens).sum());
      assertThat(rs.getLong(5))
          .isEqualTo(expected.values().stream()
              .mapToLong(e -> e.costMicros() == null ? 0 : e.costMicros())
              .sum());
      assertThat(rs.getString(6)).isEqualTo("00:01:00");
      assertThat(rs.getString(7)).isEqualTo("00:01:00");
    }
  }

  /** The shipped example queries, run by name, agree with the trace. */
  private static void assertQueriesAgree(Map<RowKey, Expected> expected) throws Exception {
    Map<String, String> queries = queries();
    assertThat(queries)
        .containsKeys(
            "cost_by_org_per_day",
            "top_keys_by_tokens_last_hour",
            "error_rate_by_model_last_hour",
            "cost_by_model_per_hour",
            "open_alerts");

    Map<String, Long> costByOrg = new TreeMap<>();
    Map<String, Long> requestsByOrg = new TreeMap<>();
    expected.forEach((k, e) -> {
      requestsByOrg.merge(k.org(), e.requests(), Long::sum);
      if (e.costMicros() != null) {
        costByOrg.merge(k.org(), e.costMicros(), Long::sum);
      }
    });
    Map<String, Long> actualCost = new TreeMap<>();
    Map<String, Long> actualRequests = new TreeMap<>();
    query(queries.get("cost_by_org_per_day"), rs -> {
      actualRequests.merge(rs.getString("org_id"), rs.getLong("requests"), Long::sum);
      // sum(bigint) is numeric in PostgreSQL.
      java.math.BigDecimal cost = rs.getBigDecimal("cost_micros");
      if (cost != null) {
        actualCost.merge(rs.getString("org_id"), cost.longValueExact(), Long::sum);
      }
    });
    assertThat(actualCost).isEqualTo(costByOrg);
    assertThat(actualRequests).isEqualTo(requestsByOrg);

    Map<String, Long> tokensByKey = new TreeMap<>();
    expected.forEach(
        (k, e) -> tokensByKey.merge(k.key(), e.inputTokens() + e.outputTokens(), Long::sum));
    List<String> topKeys = new ArrayList<>();
    Map<String, Long> actualTokens = new TreeMap<>();
    query(queries.get("top_keys_by_tokens_last_hour"), rs -> {
      topKeys.add(rs.getString("api_key_fingerprint"));
      actualTokens.put(rs.getString("api_key_fingerprint"), rs.getLong("tokens"));
    });
    assertThat(actualTokens).isEqualTo(tokensByKey);
    assertThat(topKeys)
        .isSortedAccordingTo((a, b) -> Long.compare(tokensByKey.get(b), tokensByKey.get(a)));

    Map<String, long[]> errorsByModel = new TreeMap<>();
    expected.forEach((k, e) -> {
      long[] re = errorsByModel.computeIfAbsent(k.model(), m -> new long[2]);
      re[0] += e.requests();
      re[1] += e.errors();
    });
    Map<String, String> actualRates = new TreeMap<>();
    Map<String, String> expectedRates = new TreeMap<>();
    errorsByModel.forEach((m, re) -> expectedRates.put(m, re[1] + "/" + re[0]));
    query(
        queries.get("error_rate_by_model_last_hour"),
        rs -> actualRates.put(
            rs.getString("model"), rs.getLong("errors") + "/" + rs.getLong("requests")));
    assertThat(actualRates).isEqualTo(expectedRates);

    List<String> open = new ArrayList<>();
    query(queries.get("open_alerts"), rs -> open.add(rs.getString("dedup_key")));
    assertThat(open).contains("unpriced_model:local-llama");
    query(queries.get("cost_by_model_per_hour"), rs -> {});
  }

  private static void assertUnpricedModelAlertIsOneRow() throws SQLException {
    await("the unpriced_model alert in PostgreSQL")
        .atMost(Duration.ofSeconds(30))
        .until(() -> {
          try (Connection c = pg.connect();
              Statement s = c.createStatement();
              ResultSet rs = s.executeQuery(
                  "SELECT count(*) FROM llm_alerts WHERE dedup_key = 'unpriced_model:local-llama'")) {
            rs.next();
            return rs.getLong(1) > 0;
          }
        });
    try (Connection c = pg.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(
            "SELECT state, alert_type, severity, scope->>'model', summary, emitted_at"
                + " FROM llm_alerts WHERE dedup_key = 'unpriced_model:local-llama' AND state = 'FIRING'")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(2)).isEqualTo("unpriced_model");
      assertThat(rs.getString(3)).isEqualTo("warning");
      assertThat(rs.getString(4)).isEqualTo("local-llama");
      assertThat(rs.getString(5)).contains("local-llama");
      assertThat(utc(rs, "emitted_at")).isBetween(Instant.now().minusSeconds(600), Instant.now());
      assertThat(rs.next())
          .as("one FIRING row, however often the change was delivered")
          .isFalse();
    }
  }

  /** The {@code -- name:} sections of sql/queries.sql. */
  private static Map<String, String> queries() throws Exception {
    String text = Files.readString(CONFIG_DIR.resolve("sql/queries.sql"), StandardCharsets.UTF_8);
    Map<String, String> queries = new LinkedHashMap<>();
    Matcher m = Pattern.compile("(?m)^-- name: (\\S+)\\n([\\s\\S]*?;)").matcher(text);
    while (m.find()) {
      queries.put(m.group(1), m.group(2));
    }
    return queries;
  }

  private interface Row {
    void accept(ResultSet rs) throws SQLException;
  }

  private static void query(String sql, Row row) throws SQLException {
    try (Connection c = pg.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        row.accept(rs);
      }
    }
  }

  // --- Kafka and Connect -------------------------------------------------------------------

  private static TokenmeterConfig appConfig() throws Exception {
    return ConfigLoader.create()
        .override("kafka.bootstrap.servers", broker.bootstrapServers())
        .override(
            "kafka.application.id", "sink-it-" + UUID.randomUUID().toString().substring(0, 8))
        .override("kafka.state.dir", stateDir.toString())
        .override("kafka.commit.interval", "200ms")
        .override("topics.partitions", "3")
        // Windows close on event time while the trace flows; the last one on the wall clock,
        // once the task has been idle this long.
        .override("rollup.grace", "10s")
        .override("rollup.close.check.interval", "500ms")
        .override("http.enabled", "false")
        .override("connect.json.enabled", "true")
        .load();
  }

  private static void send(List<LlmCallEvent> trace, boolean withDuplicates) throws Exception {
    try (KafkaProducer<String, LlmCallEvent> producer = new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(),
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            true,
            ProducerConfig.ACKS_CONFIG,
            "all"),
        new StringSerializer(),
        new AvroSerializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry()))) {
      for (int i = 0; i < trace.size(); i++) {
        LlmCallEvent e = trace.get(i);
        ProducerRecord<String, LlmCallEvent> record = new ProducerRecord<>(
            "llm.calls", null, e.getTimestamp().toEpochMilli(), CallEventKeys.of(e), e);
        producer.send(record);
        if (withDuplicates && i % 5 == 0) {
          producer.send(record);
        }
      }
      producer.flush();
    }
  }

  private static UsageRollup rollup(String org, Instant window) {
    Instant start = Instant.ofEpochMilli(Math.floorDiv(window.toEpochMilli(), 60_000L) * 60_000L);
    return UsageRollup.newBuilder()
        .setWindowStart(start)
        .setWindowEnd(start.plusSeconds(60))
        .setModel("gpt-4o")
        .setOrgId(org)
        .setProjectId("proj-1")
        .setApiKeyFingerprint("f0f0")
        .setService("checkout")
        .setRequests(1)
        .setErrors(0)
        .setErrorsByClass(Map.of())
        .setInputTokens(10)
        .setOutputTokens(1)
        .setCacheReadInputTokens(0)
        .setCacheCreationInputTokens(0)
        .setReasoningOutputTokens(0)
        .setRequestsWithoutUsage(0)
        .setCostMicros(30L)
        .setUnpricedRequests(0)
        .setFoldedEvents(0)
        .build();
  }

  private static void awaitRunning(String connector) {
    await(connector + " RUNNING")
        .atMost(Duration.ofSeconds(60))
        .until(() -> connect.isRunning(connector));
  }

  /**
   * Waits until the connector's consumer group has committed past the last record of every
   * partition of {@code topic}. Past the last record, not to the end offset: Connect commits the
   * offset after the last record it handled, and a transaction's commit marker may follow it.
   */
  private static void awaitConnectorCaughtUp(String connector, String topic) {
    Map<TopicPartition, Long> afterLast = new LinkedHashMap<>();
    readAll(topic)
        .forEach(r -> afterLast.merge(
            new TopicPartition(r.topic(), r.partition()), r.offset() + 1, Math::max));
    try (Admin admin = Admin.create(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      await(connector + " caught up with " + topic)
          .atMost(Duration.ofSeconds(60))
          .until(() -> {
            Map<TopicPartition, OffsetAndMetadata> committed = admin
                .listConsumerGroupOffsets("connect-" + connector)
                .partitionsToOffsetAndMetadata()
                .get();
            return afterLast.entrySet().stream().allMatch(e -> {
              OffsetAndMetadata c = committed.get(e.getKey());
              return c != null && c.offset() >= e.getValue();
            });
          });
    }
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    return new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
        new ByteArraySerializer(),
        new ByteArraySerializer());
  }

  private static void resend(String topic, List<ConsumerRecord<byte[], byte[]>> records)
      throws Exception {
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      for (ConsumerRecord<byte[], byte[]> r : records) {
        producer.send(new ProducerRecord<>(topic, r.key(), r.value()));
      }
      producer.flush();
    }
  }

  private static long count(String topic) {
    return readAll(topic).size();
  }

  /** Every committed record of {@code topic}, read to its end. */
  private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
    return read(topic, 0);
  }

  private static List<ConsumerRecord<byte[], byte[]>> awaitRecords(String topic, int atLeast) {
    return read(topic, atLeast);
  }

  private static List<ConsumerRecord<byte[], byte[]>> read(String topic, int atLeast) {
    Map<String, Object> props = Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        broker.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG,
        "sink-it-reader-" + UUID.randomUUID(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
        "earliest",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
        false,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
        "read_committed");
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      await(topic + " read")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ZERO)
          .until(() -> {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            if (records.size() < atLeast) {
              return false;
            }
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            return partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p));
          });
    }
    return records;
  }

  /** A UTC {@code timestamp} column as an instant. */
  private static Instant utc(ResultSet rs, String column) throws SQLException {
    return rs.getObject(column, java.time.LocalDateTime.class).toInstant(java.time.ZoneOffset.UTC);
  }

  private static String header(ConsumerRecord<?, ?> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static long nz(Long v) {
    return v == null ? 0 : v;
  }
}
