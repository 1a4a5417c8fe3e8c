package io.tokenmeter.connect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.UsageRollup;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;

/** What the app writes for the JDBC sink is what Connect's own JsonConverter reads, field by field. */
class ConnectJsonTest {

  private static final Instant WINDOW = Instant.parse("2026-11-27T10:15:00Z");

  @Test
  void aRollupReadsBackThroughConnectsJsonConverterWithTimestampsAndTheErrorClassesAsJsonText() {
    Struct s = read(RollupConnectJson.toJson(rollup()));

    assertThat(s.schema().name()).isEqualTo(RollupConnectJson.SCHEMA_NAME);
    assertThat(s.schema().field("window_start").schema().name()).isEqualTo(Timestamp.LOGICAL_NAME);
    assertThat(s.get("window_start")).isEqualTo(Date.from(WINDOW));
    assertThat(s.get("window_end")).isEqualTo(Date.from(WINDOW.plusSeconds(60)));
    assertThat(s.getString("model")).isEqualTo("gpt-4o");
    assertThat(s.getString("org_id")).isEqualTo("org-1");
    assertThat(s.getString("project_id")).isEqualTo("");
    assertThat(s.getString("api_key_fingerprint")).isEqualTo("3f2a");
    assertThat(s.getString("service")).isEqualTo("checkout");
    assertThat(s.getString("api_key_hint")).isEqualTo("sk-...abcd");
    assertThat(s.getInt64("requests")).isEqualTo(12L);
    assertThat(s.getInt64("errors")).isEqualTo(3L);
    assertThat(s.getString("errors_by_class")).isEqualTo("{\"rate_limited\":2,\"server\":1}");
    assertThat(s.getInt64("input_tokens")).isEqualTo(1000L);
    assertThat(s.getInt64("output_tokens")).isEqualTo(200L);
    assertThat(s.getInt64("cache_read_input_tokens")).isEqualTo(300L);
    assertThat(s.getInt64("cache_creation_input_tokens")).isEqualTo(4L);
    assertThat(s.getInt64("reasoning_output_tokens")).isEqualTo(50L);
    assertThat(s.getInt64("requests_without_usage")).isEqualTo(1L);
    assertThat(s.getInt64("cost_micros")).isEqualTo(4_250L);
    assertThat(s.getInt64("unpriced_requests")).isEqualTo(0L);
    assertThat(s.getString("price_table_version")).isEqualTo("2026-11-01");
    assertThat(s.getFloat64("latency_p50_ms")).isEqualTo(120.5);
    assertThat(s.getFloat64("latency_p95_ms")).isEqualTo(800.0);
    assertThat(s.getFloat64("latency_p99_ms")).isEqualTo(1500.25);
    assertThat(s.getFloat64("peak_rate_limit_utilization")).isEqualTo(0.75);
    assertThat(s.getInt64("folded_events")).isEqualTo(0L);
    assertThat(s.schema().field("latency_sketch"))
        .as("bytes mean nothing to SQL")
        .isNull();
    assertThat(s.schema().fields())
        .extracting(Field::name)
        .containsAll(RollupConnectJson.KEY_FIELDS);
  }

  @Test
  void nullableRollupFieldsAreOptionalAndNullNotZero() {
    UsageRollup r = rollup();
    r.setCostMicros(null);
    r.setApiKeyHint(null);
    r.setPriceTableVersion(null);
    r.setLatencyP50Ms(null);
    r.setPeakRateLimitUtilization(null);
    r.setErrorsByClass(Map.of());

    Struct s = read(RollupConnectJson.toJson(r));

    assertThat(s.get("cost_micros")).isNull();
    assertThat(s.schema().field("cost_micros").schema().isOptional()).isTrue();
    assertThat(s.get("api_key_hint")).isNull();
    assertThat(s.get("price_table_version")).isNull();
    assertThat(s.get("latency_p50_ms")).isNull();
    assertThat(s.get("peak_rate_limit_utilization")).isNull();
    assertThat(s.getString("errors_by_class")).isEqualTo("{}");
    for (String key : RollupConnectJson.KEY_FIELDS) {
      assertThat(s.schema().field(key).schema().isOptional())
          .as(key + " is part of the primary key")
          .isFalse();
    }
  }

  @Test
  void anAlertReadsBackWithItsStateByNameAndScopeAndDetailsAsJsonText() {
    Alert alert = Alert.newBuilder()
        .setDedupKey("unpriced_model:llama-3")
        .setState(AlertState.FIRING)
        .setAlertType("unpriced_model")
        .setSeverity("warning")
        .setScope(Map.of("model", "llama-3"))
        .setObservedValue(7.0)
        .setThreshold(null)
        .setWindowStart(WINDOW)
        .setWindowEnd(null)
        .setSummary("llama-3 has no price")
        .setEmittedAt(Instant.parse("2026-11-27T10:17:02.123Z"))
        .setDetails(Map.of("b", "2", "a", "1"))
        .build();

    Struct s = read(AlertConnectJson.toJson(alert));

    assertThat(s.schema().name()).isEqualTo(AlertConnectJson.SCHEMA_NAME);
    assertThat(s.getString("dedup_key")).isEqualTo("unpriced_model:llama-3");
    assertThat(s.getString("state")).isEqualTo("FIRING");
    assertThat(s.get("emitted_at")).isEqualTo(Date.from(Instant.parse("2026-11-27T10:17:02.123Z")));
    assertThat(s.getString("alert_type")).isEqualTo("unpriced_model");
    assertThat(s.getString("severity")).isEqualTo("warning");
    assertThat(s.getString("scope")).isEqualTo("{\"model\":\"llama-3\"}");
    assertThat(s.getFloat64("observed_value")).isEqualTo(7.0);
    assertThat(s.get("threshold")).isNull();
    assertThat(s.get("window_start")).isEqualTo(Date.from(WINDOW));
    assertThat(s.get("window_end")).isNull();
    assertThat(s.getString("summary")).isEqualTo("llama-3 has no price");
    assertThat(s.getString("details")).isEqualTo("{\"a\":\"1\",\"b\":\"2\"}");
    assertThat(s.schema().fields())
        .extracting(Field::name)
        .containsAll(AlertConnectJson.KEY_FIELDS);
  }

  @Test
  void everyRecordCarriesTheSameSchemaNode() throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    JsonNode one = mapper.readTree(RollupConnectJson.toJson(rollup()));
    UsageRollup other = rollup();
    other.setModel("gpt-4o-mini");
    JsonNode two = mapper.readTree(RollupConnectJson.toJson(other));

    assertThat(one.get("schema")).isEqualTo(two.get("schema"));
    assertThat(one.get("payload").get("model").asText()).isEqualTo("gpt-4o");
    assertThat(one.fieldNames()).toIterable().containsExactly("schema", "payload");
  }

  private static Struct read(byte[] json) {
    try (JsonConverter converter = new JsonConverter()) {
      converter.configure(Map.of("schemas.enable", "true"), false);
      SchemaAndValue sv = converter.toConnectData("llm.rollups.1m.connect", json);
      assertThat(sv.schema().type()).isEqualTo(Schema.Type.STRUCT);
      Struct struct = (Struct) sv.value();
      struct.validate();
      return struct;
    }
  }

  static UsageRollup rollup() {
    return UsageRollup.newBuilder()
        .setWindowStart(WINDOW)
        .setWindowEnd(WINDOW.plusSeconds(60))
        .setModel("gpt-4o")
        .setOrgId("org-1")
        .setProjectId("")
        .setApiKeyFingerprint("3f2a")
        .setApiKeyHint("sk-...abcd")
        .setService("checkout")
        .setRequests(12)
        .setErrors(3)
        .setErrorsByClass(Map.of("server", 1L, "rate_limited", 2L))
        .setInputTokens(1000)
        .setOutputTokens(200)
        .setCacheReadInputTokens(300)
        .setCacheCreationInputTokens(4)
        .setReasoningOutputTokens(50)
        .setRequestsWithoutUsage(1)
        .setCostMicros(4_250L)
        .setUnpricedRequests(0)
        .setPriceTableVersion("2026-11-01")
        .setLatencyP50Ms(120.5)
        .setLatencyP95Ms(800.0)
        .setLatencyP99Ms(1500.25)
        .setLatencySketch(ByteBuffer.wrap(new byte[] {1, 2, 3}))
        .setPeakRateLimitUtilization(0.75)
        .setFoldedEvents(0)
        .build();
  }
}
