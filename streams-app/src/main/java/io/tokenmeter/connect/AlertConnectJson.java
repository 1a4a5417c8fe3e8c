package io.tokenmeter.connect;

import static io.tokenmeter.connect.ConnectJson.Field.optional;
import static io.tokenmeter.connect.ConnectJson.Field.required;
import static io.tokenmeter.connect.ConnectJson.Type.FLOAT64;
import static io.tokenmeter.connect.ConnectJson.Type.STRING;
import static io.tokenmeter.connect.ConnectJson.Type.TIMESTAMP_MILLIS;

import io.tokenmeter.schemas.Alert;
import java.util.List;

/**
 * An {@link Alert} state change as Connect JSON, for the audit table: one row per change.
 * {@code state} is the enum's name, {@code scope} and {@code details} are JSON objects in strings
 * ({@code jsonb} columns), times are Connect timestamps.
 */
public final class AlertConnectJson {

  public static final String SCHEMA_NAME = "io.tokenmeter.Alert";

  /** The natural key of a state change. The sink upserts on it, so a replayed change is one row. */
  public static final List<String> KEY_FIELDS = List.of("dedup_key", "state", "emitted_at");

  static final ConnectJson<Alert> FORMAT = new ConnectJson<>(
      SCHEMA_NAME,
      1,
      List.of(
          required("dedup_key", STRING, Alert::getDedupKey),
          required("state", STRING, Alert::getState),
          required("emitted_at", TIMESTAMP_MILLIS, Alert::getEmittedAt),
          required("alert_type", STRING, Alert::getAlertType),
          required("severity", STRING, Alert::getSeverity),
          required("scope", STRING, Alert::getScope),
          optional("observed_value", FLOAT64, Alert::getObservedValue),
          optional("threshold", FLOAT64, Alert::getThreshold),
          optional("window_start", TIMESTAMP_MILLIS, Alert::getWindowStart),
          optional("window_end", TIMESTAMP_MILLIS, Alert::getWindowEnd),
          required("summary", STRING, Alert::getSummary),
          required("details", STRING, Alert::getDetails)));

  private AlertConnectJson() {}

  /** The alert as UTF-8 Connect JSON (schema and payload). */
  public static byte[] toJson(Alert alert) {
    return FORMAT.serialize(alert);
  }
}
