package io.tokenmeter.router;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenmeter.alert.DedupKeys;
import io.tokenmeter.alert.Severity;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import java.util.Locale;
import java.util.Map;

/**
 * An alert state change as a PagerDuty Events API v2 event: FIRING is {@code trigger}, RESOLVED is
 * {@code resolve}, both under the alert's dedup key, so PagerDuty opens and closes one incident.
 */
final class PagerDutyEvent {

  /** PagerDuty's limit on {@code payload.summary}. */
  static final int MAX_SUMMARY_CHARS = 1024;

  private PagerDutyEvent() {}

  static String json(Alert alert, String routingKey, String source) {
    Map<String, String> scope = JsonText.strings(alert.getScope());
    ObjectNode event = JsonText.object();
    event.put("routing_key", routingKey);
    event.put("event_action", alert.getState() == AlertState.FIRING ? "trigger" : "resolve");
    event.put("dedup_key", DedupKeys.limit(alert.getDedupKey().toString()));
    event.put("client", "Tokenmeter");
    ObjectNode payload = event.putObject("payload");
    payload.put(
        "summary", ReceiverLimits.truncate(alert.getSummary().toString(), MAX_SUMMARY_CHARS));
    payload.put("source", source);
    payload.put("severity", severity(alert.getSeverity().toString()));
    payload.put("timestamp", JsonText.time(alert.getEmittedAt()));
    if (scope.containsKey("model")) {
      payload.put("component", scope.get("model"));
    }
    String group = group(scope);
    if (group != null) {
      payload.put("group", group);
    }
    payload.put("class", alert.getAlertType().toString());
    payload.set("custom_details", customDetails(alert, scope));
    return JsonText.write(event);
  }

  /**
   * Our severities are PagerDuty's four; anything else (a newer producer) becomes {@code error}
   * rather than a 400 from PagerDuty that would send the alert to the dead-letter topic.
   */
  static String severity(String wireName) {
    try {
      return Severity.valueOf(wireName.trim().toUpperCase(Locale.ROOT)).wireName();
    } catch (IllegalArgumentException e) {
      return Severity.ERROR.wireName();
    }
  }

  /** Who is affected: org/project when known, else the calling service. */
  private static String group(Map<String, String> scope) {
    String org = scope.get("org_id");
    if (org != null) {
      String project = scope.get("project_id");
      return project == null || project.isEmpty() ? org : org + "/" + project;
    }
    return scope.get("service");
  }

  private static ObjectNode customDetails(Alert alert, Map<String, String> scope) {
    ObjectNode details = JsonText.object();
    details.put("state", alert.getState().toString());
    details.put("alert_type", alert.getAlertType().toString());
    details.set("scope", JsonText.object(scope));
    if (alert.getObservedValue() != null) {
      details.put("observed_value", alert.getObservedValue());
    }
    if (alert.getThreshold() != null) {
      details.put("threshold", alert.getThreshold());
    }
    if (alert.getWindowStart() != null) {
      details.put("window_start", JsonText.time(alert.getWindowStart()));
    }
    if (alert.getWindowEnd() != null) {
      details.put("window_end", JsonText.time(alert.getWindowEnd()));
    }
    details.set("details", JsonText.object(JsonText.strings(alert.getDetails())));
    return details;
  }
}
