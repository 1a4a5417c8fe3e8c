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
 * {@code tokenmeter-folded-events-total}.
 */
final class RollupMetrics {

  static final String GROUP = "tokenmeter";

  private RollupMetrics() {}

  static Sensor deadLetters(ProcessorContext<?, ?> context, DeadLetterReason reason) {
    return counter(context, "tokenmeter-dlq-records", "Records sent to the dead-letter topic", Map.of("reason", reason.header()));
  }

  static Sensor lateEvents(ProcessorContext<?, ?> context) {
    return counter(context, "tokenmeter-late-events", "Events whose window had closed (also counted as dead letters)", Map.of());
  }

  static Sensor duplicateEvents(ProcessorContext<?, ?> context) {
    return counter(context, "tokenmeter-duplicate-events", "Replayed events dropped by event_id", Map.of());
  }

  static Sensor foldedEvents(ProcessorContext<?, ?> context) {
    return counter(context, "tokenmeter-folded-events", "Events with a dimension folded into __other__", Map.of());
  }

  private static Sensor counter(
      ProcessorContext<?, ?> context, String name, String description, Map<String, String> extraTags) {
    StreamsMetrics metrics = context.metrics();
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("task-id", context.taskId().toString());
    tags.putAll(extraTags);
    String sensorName = name + "." + context.taskId() + "." + String.join(".", extraTags.values());
    Sensor sensor = metrics.addSensor(sensorName, Sensor.RecordingLevel.INFO);
    sensor.add(new MetricName(name + "-total", GROUP, description, tags), new CumulativeCount());
    return sensor;
  }
}
