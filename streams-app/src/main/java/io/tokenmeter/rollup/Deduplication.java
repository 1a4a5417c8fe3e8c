package io.tokenmeter.rollup;

import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.ProcessorContext;

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
final class Deduplication {

  private final long horizonMillis;
  private ProcessorContext<?, ?> context;
  private SeenEventIdsStore seen;
  private Sensor duplicates;
  private long newestEventTime;

  Deduplication(long horizonMillis) {
    this.horizonMillis = horizonMillis;
  }

  void init(ProcessorContext<?, ?> context) {
    this.context = context;
    this.seen = context.getStateStore(RollupStores.DEDUP);
    this.duplicates = RollupMetrics.duplicateEvents(context);
    this.newestEventTime = Long.MIN_VALUE;
  }

  /** Whether the event is counted for the first time; remembers it if so. */
  boolean firstSeen(String eventId, long eventTime) {
    newestEventTime = Math.max(newestEventTime, eventTime);
    if (seen.firstSeen(eventId, eventTime)) {
      return true;
    }
    duplicates.record();
    return false;
  }

  /** Forgets the minutes before {@code closedBefore}, and those that ended a horizon before the newest event. */
  void forget(long closedBefore) {
    long beyondHorizon = newestEventTime == Long.MIN_VALUE
        ? Long.MIN_VALUE
        : newestEventTime
            - horizonMillis
            - RollupKeys.WINDOW_MILLIS
            + 1; // minutes that ended a horizon ago
    seen.forgetBefore(Math.max(closedBefore, beyondHorizon));
  }

  void close() {
    context.metrics().removeSensor(duplicates);
  }
}
