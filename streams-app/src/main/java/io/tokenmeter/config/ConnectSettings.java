package io.tokenmeter.config;

import java.util.Objects;

/**
 * The copies of rollups and alerts in Kafka Connect's JSON-with-schema form, for the JDBC sink to
 * PostgreSQL ({@code docs/postgres-sink.md}).
 *
 * @param jsonEnabled {@code connect.json.enabled}, default false
 * @param rollupsTopic {@code topics.rollups.connect}, default {@code llm.rollups.1m.connect}
 * @param alertsTopic {@code topics.alerts.connect}, default {@code llm.alerts.connect}
 */
public record ConnectSettings(boolean jsonEnabled, String rollupsTopic, String alertsTopic) {

  public ConnectSettings {
    Objects.requireNonNull(rollupsTopic, "rollupsTopic");
    Objects.requireNonNull(alertsTopic, "alertsTopic");
  }

  /** Off, with the default topic names. */
  public static ConnectSettings disabled() {
    return new ConnectSettings(false, "llm.rollups.1m.connect", "llm.alerts.connect");
  }
}
