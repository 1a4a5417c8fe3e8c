package io.tokenmeter.rollup;

import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Marks an event {@code late} when its window has already been emitted. The watermark is read
 * from the {@link RollupStores#CLOCK} store that {@link MinuteRollupProcessor} advances, so it
 * survives restarts and moves atomically with the emitted rollups.
 */
public final class RejectLateProcessor implements Processor<String, Call, String, Call> {

  private final Duration grace;
  private ProcessorContext<String, Call> context;
  private KeyValueStore<String, Long> clock;
  private Sensor lateEvents;

  RejectLateProcessor(Duration grace) {
    this.grace = grace;
  }

  public static ProcessorSupplier<String, Call, String, Call> supplier(Duration grace) {
    return () -> new RejectLateProcessor(grace);
  }

  @Override
  public void init(ProcessorContext<String, Call> context) {
    this.context = context;
    this.clock = context.getStateStore(RollupStores.CLOCK);
    this.lateEvents = RollupMetrics.lateEvents(context);
  }

  @Override
  public void process(Record<String, Call> record) {
    Call call = record.value();
    long eventTime = call.event().getTimestamp().toEpochMilli();
    long windowStart = RollupKeys.windowStart(eventTime);
    Long closedBefore = clock.get(RollupStores.CLOSED_BEFORE);
    if (closedBefore != null && windowStart < closedBefore) {
      lateEvents.record();
      context.forward(record.withValue(call.reject(
          DeadLetterReason.LATE,
          "late: event time " + Instant.ofEpochMilli(eventTime) + " falls in window starting "
              + Instant.ofEpochMilli(windowStart) + ", but every window ending at or before "
              + Instant.ofEpochMilli(closedBefore) + " is closed (grace " + grace + ")")));
      return;
    }
    context.forward(record);
  }

  @Override
  public void close() {
    context.metrics().removeSensor(lateEvents);
  }
}
