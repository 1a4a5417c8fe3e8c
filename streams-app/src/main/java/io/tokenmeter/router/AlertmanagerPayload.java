package io.tokenmeter.router;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * An alert state change in the shape of Alertmanager's webhook (version 4), so that any receiver
 * written for Alertmanager takes it: one notification per state change, holding one alert, grouped
 * by the dedup key so that its firing and resolved notifications share a {@code groupKey}.
 */
final class AlertmanagerPayload {

  /** Alertmanager writes Go's zero time as the end of an alert that is still firing. */
  static final String ZERO_TIME = "0001-01-01T00:00:00Z";

  private AlertmanagerPayload() {}

  static String json(Alert alert, String receiver) {
    String status = alert.getState() == AlertState.FIRING ? "firing" : "resolved";
    String dedupKey = alert.getDedupKey().toString();
    Map<String, String> labels = labels(alert);
    Map<String, String> annotations = annotations(alert);

    ObjectNode one = JsonText.object();
    one.put("status", status);
    one.set("labels", JsonText.object(labels));
    one.set("annotations", JsonText.object(annotations));
    Instant startsAt =
        alert.getWindowStart() != null ? alert.getWindowStart() : alert.getEmittedAt();
    one.put("startsAt", JsonText.time(startsAt));
    one.put(
        "endsAt",
        alert.getState() == AlertState.FIRING ? ZERO_TIME : JsonText.time(alert.getEmittedAt()));
    one.put("generatorURL", "");
    one.put("fingerprint", dedupKey);

    ObjectNode payload = JsonText.object();
    payload.put("version", "4");
    payload.put(
        "groupKey",
        "{}:{dedup_key=\"" + dedupKey.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}");
    payload.put("truncatedAlerts", 0);
    payload.put("status", status);
    payload.put("receiver", receiver);
    payload.set("groupLabels", JsonText.object(Map.of("dedup_key", dedupKey)));
    payload.set("commonLabels", JsonText.object(labels));
    payload.set("commonAnnotations", JsonText.object(annotations));
    payload.put("externalURL", "");
    payload.putArray("alerts").add(one);
    return JsonText.write(payload);
  }

  /** What identifies the alert: its type as {@code alertname}, its severity and its scope. */
  static Map<String, String> labels(Alert alert) {
    Map<String, String> labels = new TreeMap<>();
    JsonText.strings(alert.getScope()).forEach((k, v) -> labels.put(labelName(k), v));
    labels.put("alertname", alert.getAlertType().toString());
    labels.put("severity", alert.getSeverity().toString());
    return labels;
  }

  /** What describes it: the summary, the numbers and window, and the detector's details. */
  static Map<String, String> annotations(Alert alert) {
    Map<String, String> annotations = new TreeMap<>(JsonText.strings(alert.getDetails()));
    annotations.put("summary", alert.getSummary().toString());
    annotations.put("dedup_key", alert.getDedupKey().toString());
    if (alert.getObservedValue() != null) {
      annotations.put("observed_value", Double.toString(alert.getObservedValue()));
    }
    if (alert.getThreshold() != null) {
      annotations.put("threshold", Double.toString(alert.getThreshold()));
    }
    if (alert.getWindowStart() != null) {
      annotations.put("window_start", JsonText.time(alert.getWindowStart()));
    }
    if (alert.getWindowEnd() != null) {
      annotations.put("window_end", JsonText.time(alert.getWindowEnd()));
    }
    return annotations;
  }

  /** Prometheus label names are {@code [a-zA-Z_][a-zA-Z0-9_]*}; our scope keys already are. */
  private static String labelName(String key) {
    String name = key.replaceAll("[^A-Za-z0-9_]", "_");
    return name.isEmpty() || Character.isDigit(name.charAt(0)) ? "_" + name : name;
  }
}
