package io.tokenmeter.rollup;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.CumulativeCount;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * Counters the rollup exposes through Kafka Streams' metrics (and so JMX), group {@code
 * tokenmeter}, tagged with the task: {@code tokenmeter-dlq-records-total} (with a {@code reason}
 * tag), {@code tokenmeter-late-events-total}, {@code tokenmeter-duplicate-events-total} and
 * {@code tokenmeter-folded-events-total}, once for the task and once per tenant that folds (with
 * {@code org_id} and {@code project_id} tags).
 */
final class RollupMetrics {

  static final String GROUP = "tokenmeter";

  private RollupMetrics() {}

  static Sensor deadLetters(ProcessorContext<?, ?> context, DeadLetterReason reason) {
    return counter(
        context,
        "tokenmeter-dlq-records",
        "Records sent to the dead-letter topic",
        Map.of("reason", reason.header()));
  }

  static Sensor lateEvents(ProcessorContext<?, ?> context) {
    return counter(
        context,
        "tokenmeter-late-events",
        "Events whose window had closed (also counted as dead letters)",
        Map.of());
  }

  static Sensor duplicateEvents(ProcessorContext<?, ?> context) {
    return counter(
        context, "tokenmeter-duplicate-events", "Replayed events dropped by event_id", Map.of());
  }

  static Sensor foldedEvents(ProcessorContext<?, ?> context) {
    return counter(
        context,
        "tokenmeter-folded-events",
        "Events with a dimension folded into __other__",
        Map.of());
  }

  /**
   * The same count for one tenant (the event's org and project after the tenant guard), created
   * when the tenant first folds; the guard bounds the tenants, and so these sensors.
   */
  static Sensor tenantFoldedEvents(ProcessorContext<?, ?> context, String orgId, String projectId) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("org_id", orgId);
    tags.put("project_id", projectId);
    // The lengths keep the sensor name unambiguous whatever characters the ids contain.
    return counter(
        context,
        "tokenmeter-folded-events",
        "Events with a dimension folded into __other__, per tenant",
        tags,
        orgId.length() + ":" + orgId + "/" + projectId);
  }

  private static Sensor counter(
      ProcessorContext<?, ?> context,
      String name,
      String description,
      Map<String, String> extraTags) {
    return counter(context, name, description, extraTags, String.join(".", extraTags.values()));
  }

  private static Sensor counter(
      ProcessorContext<?, ?> context,
      String name,
      String description,
      Map<String, String> extraTags,
      String sensorSuffix) {
    StreamsMetrics metrics = context.metrics();
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("task-id", context.taskId().toString());
    tags.putAll(extraTags);
    String sensorName = name + "." + context.taskId() + "." + sensorSuffix;
    Sensor sensor = metrics.addSensor(sensorName, Sensor.RecordingLevel.INFO);
    sensor.add(new MetricName(name + "-total", GROUP, description, tags), new CumulativeCount());
    return sensor;
  }
}
