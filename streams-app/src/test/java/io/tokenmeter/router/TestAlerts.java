package io.tokenmeter.router;

import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/** Alert records for the router tests. */
final class TestAlerts {

  static final Instant WINDOW_START = Instant.parse("2026-11-27T10:10:00Z");
  static final Instant WINDOW_END = Instant.parse("2026-11-27T10:11:00Z");
  static final Instant EMITTED_AT = Instant.parse("2026-11-27T10:10:31Z");

  private TestAlerts() {}

  static Alert rateLimit(AlertState state, String severity) {
    return Alert.newBuilder()
        .setDedupKey("rate_limit_requests:org-1/proj-a:gpt-4o")
        .setState(state)
        .setAlertType("rate_limit_requests")
        .setSeverity(severity)
        .setScope(
            new TreeMap<>(Map.of("org_id", "org-1", "project_id", "proj-a", "model", "gpt-4o")))
        .setObservedValue(0.96)
        .setThreshold(0.95)
        .setWindowStart(WINDOW_START)
        .setWindowEnd(WINDOW_END)
        .setSummary("org-1/proj-a gpt-4o at 96% of its 500 requests/min limit (critical >= 95%)")
        .setEmittedAt(EMITTED_AT)
        .setDetails(new TreeMap<>(Map.of("limit_requests", "500")))
        .build();
  }

  static Alert of(
      String dedupKey, AlertState state, String type, String severity, Map<String, String> scope) {
    return Alert.newBuilder()
        .setDedupKey(dedupKey)
        .setState(state)
        .setAlertType(type)
        .setSeverity(severity)
        .setScope(new TreeMap<>(scope))
        .setSummary(type + " " + state + " " + dedupKey)
        .setEmittedAt(EMITTED_AT)
        .setDetails(new TreeMap<>())
        .build();
  }
}
