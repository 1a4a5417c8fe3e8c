package io.tokenmeter.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenmeter.connect.AlertConnectJson;
import io.tokenmeter.connect.RollupConnectJson;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.UsageRollup;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The shipped files agree with each other and with what the app writes, without starting anything:
 * every field of the Connect JSON is a column of its table, the upsert key is the table's primary
 * key, and the settings the sink's guarantees rest on are there. SinkToPostgresIT runs them.
 */
class ShippedConfigTest {

  /** Surefire runs in the module directory. */
  private static final Path DIR = Path.of(System.getProperty("sink.config.dir", "."));

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void everyRollupFieldIsAColumnAndTheUpsertKeyIsThePrimaryKey() throws IOException {
    JsonNode config = connector("rollups-postgres.json");
    String table = config.get("collection.name.format").asText();

    assertThat(table).isEqualTo("llm_rollups_1m");
    assertThat(columns(table))
        .containsExactlyElementsOf(fields(RollupConnectJson.toJson(rollup())));
    assertThat(primaryKey(table)).isEqualTo(RollupConnectJson.KEY_FIELDS);
    assertThat(List.of(config.get("primary.key.fields").asText().split(",")))
        .isEqualTo(RollupConnectJson.KEY_FIELDS);
    assertThat(config.get("topics").asText()).isEqualTo("llm.rollups.1m.connect");
  }

  @Test
  void everyAlertFieldIsAColumnAndTheUpsertKeyIsThePrimaryKey() throws IOException {
    JsonNode config = connector("alerts-postgres.json");
    String table = config.get("collection.name.format").asText();

    assertThat(table).isEqualTo("llm_alerts");
    assertThat(columns(table)).containsExactlyElementsOf(fields(AlertConnectJson.toJson(alert())));
    assertThat(primaryKey(table)).isEqualTo(AlertConnectJson.KEY_FIELDS);
    assertThat(List.of(config.get("primary.key.fields").asText().split(",")))
        .isEqualTo(AlertConnectJson.KEY_FIELDS);
    assertThat(config.get("topics").asText()).isEqualTo("llm.alerts.connect");
  }

  @Test
  void bothConnectorsUpsertIntoExistingTablesWithADeadLetterTopicAndNoSecretsInline()
      throws IOException {
    for (String file : List.of("rollups-postgres.json", "alerts-postgres.json")) {
      JsonNode c = connector(file);
      assertThat(c.get("connector.class").asText())
          .as(file)
          .isEqualTo("io.debezium.connector.jdbc.JdbcSinkConnector");
      assertThat(c.get("value.converter").asText())
          .as(file)
          .isEqualTo("org.apache.kafka.connect.json.JsonConverter");
      assertThat(c.get("value.converter.schemas.enable").asText()).as(file).isEqualTo("true");
      assertThat(c.get("insert.mode").asText()).as(file).isEqualTo("upsert");
      assertThat(c.get("primary.key.mode").asText()).as(file).isEqualTo("record_value");
      assertThat(c.get("schema.evolution").asText()).as(file).isEqualTo("none");
      assertThat(c.get("delete.enabled").asText()).as(file).isEqualTo("false");
      assertThat(c.get("errors.tolerance").asText()).as(file).isEqualTo("all");
      assertThat(c.get("errors.deadletterqueue.topic.name").asText())
          .as(file)
          .isEqualTo(c.get("topics").asText() + ".dlq");
      assertThat(c.get("errors.deadletterqueue.context.headers.enable").asText())
          .as(file)
          .isEqualTo("true");
      assertThat(c.get("connection.url").asText())
          .as(file)
          .isEqualTo("${env:TOKENMETER_SINK_JDBC_URL}");
      assertThat(c.get("connection.username").asText())
          .as(file)
          .isEqualTo("${env:TOKENMETER_SINK_JDBC_USER}");
      assertThat(c.get("connection.password").asText())
          .as(file)
          .isEqualTo("${env:TOKENMETER_SINK_JDBC_PASSWORD}");
      assertThat(c.get("errors.deadletterqueue.topic.replication.factor").asText())
          .as(file)
          .isEqualTo("${env:TOKENMETER_SINK_DLQ_REPLICATION_FACTOR}");
    }
  }

  @Test
  void theWorkerResolvesEnvPlaceholdersReadsCommittedAndFindsPluginsByServiceLoader()
      throws IOException {
    Properties worker = new Properties();
    try (Reader r = Files.newBufferedReader(
        DIR.resolve("connect-distributed.properties"), StandardCharsets.UTF_8)) {
      worker.load(r);
    }

    assertThat(worker)
        .containsEntry("config.providers", "env")
        .containsEntry(
            "config.providers.env.class",
            "org.apache.kafka.common.config.provider.EnvVarConfigProvider")
        .containsEntry("consumer.isolation.level", "read_committed")
        .containsEntry("plugin.discovery", "service_load")
        .containsKeys(
            "plugin.path",
            "group.id",
            "config.storage.topic",
            "offset.storage.topic",
            "status.storage.topic");
  }

  private static JsonNode connector(String file) throws IOException {
    JsonNode payload = JSON.readTree(DIR.resolve("connectors").resolve(file).toFile());
    assertThat(payload.get("name").asText()).startsWith("tokenmeter-");
    return payload.get("config");
  }

  /** The field names of a Connect JSON record's schema, in order. */
  private static List<String> fields(byte[] record) throws IOException {
    List<String> names = new ArrayList<>();
    JSON.readTree(record)
        .at("/schema/fields")
        .forEach(f -> names.add(f.get("field").asText()));
    return names;
  }

  /** The column names of {@code table} in sql/schema.sql, in order. */
  private static Set<String> columns(String table) throws IOException {
    Set<String> columns = new LinkedHashSet<>();
    Matcher column = Pattern.compile(
            "(?m)^\\s+([a-z_0-9]+)\\s+(timestamp|text|bigint|jsonb|double precision)\\b")
        .matcher(createTable(table));
    while (column.find()) {
      columns.add(column.group(1));
    }
    return columns;
  }

  private static List<String> primaryKey(String table) throws IOException {
    Matcher pk = Pattern.compile("PRIMARY KEY \\(([^)]*)\\)").matcher(createTable(table));
    assertThat(pk.find()).as("primary key of " + table).isTrue();
    return List.of(pk.group(1).split(",\\s*"));
  }

  private static String createTable(String table) throws IOException {
    String sql = Files.readString(DIR.resolve("sql/schema.sql"), StandardCharsets.UTF_8);
    Matcher m = Pattern.compile("CREATE TABLE IF NOT EXISTS " + table + " \\(([\\s\\S]*?)\\n\\);")
        .matcher(sql);
    assertThat(m.find()).as("CREATE TABLE " + table + " in sql/schema.sql").isTrue();
    return m.group(1);
  }

  private static UsageRollup rollup() {
    Instant t = Instant.parse("2026-11-27T10:00:00Z");
    return UsageRollup.newBuilder()
        .setWindowStart(t)
        .setWindowEnd(t.plusSeconds(60))
        .setModel("m")
        .setOrgId("o")
        .setProjectId("p")
        .setApiKeyFingerprint("k")
        .setService("s")
        .setRequests(1)
        .setErrors(0)
        .setErrorsByClass(Map.of())
        .setInputTokens(1)
        .setOutputTokens(1)
        .setCacheReadInputTokens(0)
        .setCacheCreationInputTokens(0)
        .setReasoningOutputTokens(0)
        .setRequestsWithoutUsage(0)
        .setUnpricedRequests(0)
        .setFoldedEvents(0)
        .build();
  }

  private static Alert alert() {
    return Alert.newBuilder()
        .setDedupKey("d")
        .setState(AlertState.FIRING)
        .setAlertType("t")
        .setSeverity("warning")
        .setScope(Map.of())
        .setSummary("s")
        .setEmittedAt(Instant.parse("2026-11-27T10:00:00Z"))
        .setDetails(Map.of())
        .build();
  }
}
