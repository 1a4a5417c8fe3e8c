package io.tokenmeter.alert;

import io.tokenmeter.config.AlertSettings;
import io.tokenmeter.rollup.IdleTimer;
import io.tokenmeter.schemas.Alert;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Error-rate spikes per scope, after the repartition by scope: sums the parts of a scope's minute
 * that the partitions send, and once the minute is complete calls {@link
 * ErrorRateDetector#onWindowClosed} for it, once per scope and minute, in minute order; then {@link
 * ErrorRateDetector#onTime} for every stored scope, so quiet scopes resolve.
 *
 * <p>Each partition sends its part of a minute once its own event time passes the minute's end +
 * grace, and partitions run at slightly different event times. So a minute is complete when the
 * stream time of the parts alone (the latest window start read, kept in the store) passes its end
 * + {@link #SETTLE}: the slowest partition may be a minute behind. Not the task's stream time: the
 * calls this task also reads drive it, and a jump in their event time would close a minute before
 * the other partitions' parts of it arrived. When traffic stops, stream time stalls; the
 * wall clock then closes minutes that ended grace + close-check interval + settle ago, once no part
 * arrived for {@link #SETTLE}. A part of a minute that has already closed is dropped. Pending
 * parts, the close watermark and the detector states are all in logged stores, so under
 * exactly-once an alert, the states it changed and the consumed parts commit together.
 */
final class ErrorRateProcessor implements Processor<String, ScopedErrorWindow, String, Alert> {

  static final String PENDING_STORE = "alert-error-windows";
  static final String STATE_STORE = "alert-error-rate";
  static final Duration SETTLE = Duration.ofMinutes(1);

  private final ErrorRateDetector detector;
  private final long wallClockLagMillis;
  private final Duration closeCheckInterval;
  private final Clock clock;
  private ProcessorContext<String, Alert> context;
  private PendingErrorWindows pending;
  private KeyValueStore<String, ErrorRateState> states;
  /** Only decides when the wall clock may close minutes; no count depends on it. */
  private final IdleTimer idle = new IdleTimer();

  private ErrorRateProcessor(
      AlertSettings settings, Duration grace, Duration closeCheckInterval, Clock clock) {
    this.detector = new ErrorRateDetector(settings);
    this.wallClockLagMillis = grace.plus(closeCheckInterval).plus(SETTLE).toMillis();
    this.closeCheckInterval = closeCheckInterval;
    this.clock = clock;
  }

  static ProcessorSupplier<String, ScopedErrorWindow, String, Alert> supplier(
      AlertSettings settings, Duration grace, Duration closeCheckInterval, Clock clock) {
    StoreBuilder<KeyValueStore<String, ErrorRateState>> states = Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(STATE_STORE),
            Serdes.String(),
            AlertStateSerdes.errorRate())
        .withCachingEnabled();
    return new ProcessorSupplier<>() {
      @Override
      public Processor<String, ScopedErrorWindow, String, Alert> get() {
        return new ErrorRateProcessor(settings, grace, closeCheckInterval, clock);
      }

      @Override
      public Set<StoreBuilder<?>> stores() {
        return Set.of(PendingErrorWindows.store(PENDING_STORE), states);
      }
    };
  }

  @Override
  public void init(ProcessorContext<String, Alert> context) {
    this.context = context;
    this.pending = new PendingErrorWindows(context.getStateStore(PENDING_STORE));
    this.states = context.getStateStore(STATE_STORE);
    context.schedule(closeCheckInterval, PunctuationType.WALL_CLOCK_TIME, this::closeIfIdle);
  }

  @Override
  public void process(Record<String, ScopedErrorWindow> record) {
    idle.input(context.currentSystemTimeMs());
    pending.add(record.value());
    closeBefore(minuteStart(pending.latestStart() - SETTLE.toMillis()), record.timestamp());
  }

  private void closeIfIdle(long wallClock) {
    if (idle.idleFor(SETTLE.toMillis(), wallClock)) {
      closeBefore(minuteStart(wallClock - wallClockLagMillis), wallClock);
    }
  }

  /** Evaluates every minute that ends at or before {@code before}, then lets quiet scopes age. */
  private void closeBefore(long before, long timestamp) {
    if (before <= pending.closedBefore()) {
      return;
    }
    Instant now = clock.instant();
    for (ScopedErrorWindow closed : pending.close(before)) {
      String key = closed.scope().storeKey();
      apply(
          key,
          detector.onWindowClosed(states.get(key), closed.scope(), closed.window(), now),
          timestamp);
    }
    List<KeyValue<String, ErrorRateState>> stored = new ArrayList<>();
    try (KeyValueIterator<String, ErrorRateState> all = states.all()) {
      all.forEachRemaining(stored::add); // the store changes below; do not write while iterating
    }
    for (KeyValue<String, ErrorRateState> entry : stored) {
      apply(entry.key, detector.onTime(entry.value, Instant.ofEpochMilli(before), now), timestamp);
    }
  }

  private static long minuteStart(long millis) {
    return Math.floorDiv(millis, Minutes.MINUTE_MS) * Minutes.MINUTE_MS;
  }

  private void apply(String key, Transition<ErrorRateState> transition, long timestamp) {
    if (transition.state() == null) {
      states.delete(key);
    } else {
      states.put(key, transition.state());
    }
    for (Alert alert : transition.alerts()) {
      context.forward(new Record<>(alert.getDedupKey(), alert, timestamp));
    }
  }
}
