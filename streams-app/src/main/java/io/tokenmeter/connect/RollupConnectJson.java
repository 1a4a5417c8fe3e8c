package io.tokenmeter.connect;

import static io.tokenmeter.connect.ConnectJson.Field.optional;
import static io.tokenmeter.connect.ConnectJson.Field.required;
import static io.tokenmeter.connect.ConnectJson.Type.FLOAT64;
import static io.tokenmeter.connect.ConnectJson.Type.INT64;
import static io.tokenmeter.connect.ConnectJson.Type.STRING;
import static io.tokenmeter.connect.ConnectJson.Type.TIMESTAMP_MILLIS;

import io.tokenmeter.schemas.UsageRollup;
import java.util.List;

/**
 * A final {@link UsageRollup} as Connect JSON, one column per field, named as in the Avro schema
 * and in {@code sink-connector-config/sql/schema.sql}. Window bounds are Connect timestamps,
 * {@code errors_by_class} is a JSON object in a string (a {@code jsonb} column), cost stays integer
 * micro-dollars. {@code latency_sketch} is left out: its bytes mean nothing to SQL, and the
 * percentiles are there.
 */
public final class RollupConnectJson {

  /** The Connect schema name of the struct. */
  public static final String SCHEMA_NAME = "io.tokenmeter.UsageRollup";

  /** The natural key: one row per window and dimension set. The sink upserts on it. */
  public static final List<String> KEY_FIELDS =
      List.of("window_start", "model", "org_id", "project_id", "api_key_fingerprint", "service");

  static final ConnectJson<UsageRollup> FORMAT = new ConnectJson<>(
      SCHEMA_NAME,
      1,
      List.of(
          required("window_start", TIMESTAMP_MILLIS, UsageRollup::getWindowStart),
          required("window_end", TIMESTAMP_MILLIS, UsageRollup::getWindowEnd),
          required("model", STRING, UsageRollup::getModel),
          required("org_id", STRING, UsageRollup::getOrgId),
          required("project_id", STRING, UsageRollup::getProjectId),
          required("api_key_fingerprint", STRING, UsageRollup::getApiKeyFingerprint),
          required("service", STRING, UsageRollup::getService),
          optional("api_key_hint", STRING, UsageRollup::getApiKeyHint),
          required("requests", INT64, UsageRollup::getRequests),
          required("errors", INT64, UsageRollup::getErrors),
          required("errors_by_class", STRING, UsageRollup::getErrorsByClass),
          required("input_tokens", INT64, UsageRollup::getInputTokens),
          required("output_tokens", INT64, UsageRollup::getOutputTokens),
          required("cache_read_input_tokens", INT64, UsageRollup::getCacheReadInputTokens),
          required("cache_creation_input_tokens", INT64, UsageRollup::getCacheCreationInputTokens),
          required("reasoning_output_tokens", INT64, UsageRollup::getReasoningOutputTokens),
          required("requests_without_usage", INT64, UsageRollup::getRequestsWithoutUsage),
          optional("cost_micros", INT64, UsageRollup::getCostMicros),
          required("unpriced_requests", INT64, UsageRollup::getUnpricedRequests),
          optional("price_table_version", STRING, UsageRollup::getPriceTableVersion),
          optional("latency_p50_ms", FLOAT64, UsageRollup::getLatencyP50Ms),
          optional("latency_p95_ms", FLOAT64, UsageRollup::getLatencyP95Ms),
          optional("latency_p99_ms", FLOAT64, UsageRollup::getLatencyP99Ms),
          optional(
              "peak_rate_limit_utilization", FLOAT64, UsageRollup::getPeakRateLimitUtilization),
          required("folded_events", INT64, UsageRollup::getFoldedEvents)));

  private RollupConnectJson() {}

  /** The rollup as UTF-8 Connect JSON (schema and payload). */
  public static byte[] toJson(UsageRollup rollup) {
    return FORMAT.serialize(rollup);
  }
}
