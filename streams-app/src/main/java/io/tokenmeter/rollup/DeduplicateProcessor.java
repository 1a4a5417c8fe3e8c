package io.tokenmeter.rollup;

import java.time.Duration;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Drops an event whose {@code event_id} was already counted. A replay carries the same record key,
 * so it reaches the same task and store. The "seen" mark is in the same task as the count and
 * reaches the logged store in the same commit, so under exactly-once both commit or neither does.
 *
 * <p>Ids are remembered per minute of event time ({@link SeenEventIdsStore}) and forgotten with
 * the minute once either of two things holds: its window has closed, so any copy of its events
 * is rejected as late before it gets here; or its end is more than the horizon behind the newest
 * event time seen. Either way a copy is never counted twice while its window is open, as long as
 * the horizon is at least grace + 1 minute (the defaults are 1 h and 2 min).
 */
public final class DeduplicateProcessor implements Processor<String, Call, String, Call> {

  private final long horizonMillis;
  private final Duration forgetCheckInterval;
  private ProcessorContext<String, Call> context;
  private SeenEventIdsStore seen;
  private KeyValueStore<String, Long> clock;
  private Sensor duplicates;
  private long newestEventTime = Long.MIN_VALUE;
  private long forgotAtMinute = Long.MIN_VALUE;

  DeduplicateProcessor(Duration horizon, Duration forgetCheckInterval) {
    this.horizonMillis = horizon.toMillis();
    this.forgetCheckInterval = forgetCheckInterval;
  }

  /** {@code forgetCheckInterval}: how often the wall clock looks for closed minutes to forget. */
  public static ProcessorSupplier<String, Call, String, Call> supplier(Duration horizon, Duration forgetCheckInterval) {
    return () -> new DeduplicateProcessor(horizon, forgetCheckInterval);
  }

  @Override
  public void init(ProcessorContext<String, Call> context) {
    this.context = context;
    this.seen = context.getStateStore(RollupStores.DEDUP);
    this.clock = context.getStateStore(RollupStores.CLOCK);
    this.duplicates = RollupMetrics.duplicateEvents(context);
    // Windows also close by the wall clock once traffic stops; their ids can go then too.
    context.schedule(forgetCheckInterval, PunctuationType.WALL_CLOCK_TIME, wallClock -> forgetClosedMinutes());
  }

  @Override
  public void process(Record<String, Call> record) {
    String id = record.value().event().getEventId();
    long eventTime = record.value().event().getTimestamp().toEpochMilli();
    if (eventTime > newestEventTime) {
      newestEventTime = eventTime;
      if (RollupKeys.windowStart(eventTime) > forgotAtMinute) {
        forgotAtMinute = RollupKeys.windowStart(eventTime);
        forgetClosedMinutes();
      }
    }
    if (!seen.firstSeen(id, eventTime)) {
      duplicates.record();
      return;
    }
    context.forward(record);
  }

  private void forgetClosedMinutes() {
    Long closedBefore = clock.get(RollupStores.CLOSED_BEFORE);
    long beyondHorizon = newestEventTime == Long.MIN_VALUE
        ? Long.MIN_VALUE
        : newestEventTime - horizonMillis - RollupKeys.WINDOW_MILLIS + 1; // minutes that ended a horizon ago
    seen.forgetBefore(Math.max(closedBefore == null ? Long.MIN_VALUE : closedBefore, beyondHorizon));
  }

  @Override
  public void close() {
    context.metrics().removeSensor(duplicates);
  }
}
