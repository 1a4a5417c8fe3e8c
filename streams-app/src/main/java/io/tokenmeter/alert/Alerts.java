package io.tokenmeter.alert;

import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/** Builds the Alert records every detector emits, so they all carry the same fields. */
final class Alerts {

  private Alerts() {}

  static Alert.Builder builder(
      String dedupKey,
      AlertState state,
      String alertType,
      Severity severity,
      Map<String, String> scope,
      Instant windowStart,
      Instant windowEnd,
      Instant now) {
    return Alert.newBuilder()
        .setDedupKey(dedupKey)
        .setState(state)
        .setAlertType(alertType)
        .setSeverity(severity.wireName())
        .setScope(new TreeMap<>(scope))
        .setWindowStart(windowStart)
        .setWindowEnd(windowEnd)
        .setEmittedAt(now)
        .setDetails(new TreeMap<>());
  }
}
