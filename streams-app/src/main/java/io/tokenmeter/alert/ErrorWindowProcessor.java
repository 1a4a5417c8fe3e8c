package io.tokenmeter.alert;

import io.tokenmeter.rollup.IdleTimer;
import io.tokenmeter.schemas.LlmCallEvent;
import java.time.Duration;
import java.util.Set;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * Counts accepted calls into per-minute {@link ScopedErrorWindow}s of their two error-rate scopes,
 * inside the partition, and forwards each once its minute is final here: when the event time of
 * the calls it counted passes its end + grace (later calls are dead-lettered as late), or, when
 * traffic stops, the wall clock does after the task was idle for the grace period, like the minute
 * rollup. Not Kafka Streams' stream time: a record dead-lettered for a timestamp from a fast clock
 * moves that too, and would close every minute up to its clock. Output is keyed by
 * scope, stamped with the window start, for the repartition to {@link ErrorRateProcessor}.
 *
 * <p>Why not from the rollups: a rollup's model is the response model when there is one, and
 * failed calls have none, so successes and failures of one requested model would land in different
 * scopes. Pre-aggregating here keeps the repartition to one record per scope, minute and partition.
 */
final class ErrorWindowProcessor implements Processor<String, LlmCallEvent, String, ScopedErrorWindow> {

  static final String STORE = "alert-error-windows-local";

  private final long graceMillis;
  private final Duration closeCheckInterval;
  private ProcessorContext<String, ScopedErrorWindow> context;
  private PendingErrorWindows pending;
  /** Only decides when the wall clock may close windows; no count depends on it. */
  private final IdleTimer idle = new IdleTimer();

  private ErrorWindowProcessor(Duration grace, Duration closeCheckInterval) {
    this.graceMillis = grace.toMillis();
    this.closeCheckInterval = closeCheckInterval;
  }

  static ProcessorSupplier<String, LlmCallEvent, String, ScopedErrorWindow> supplier(
      Duration grace, Duration closeCheckInterval) {
    return new ProcessorSupplier<>() {
      @Override
      public Processor<String, LlmCallEvent, String, ScopedErrorWindow> get() {
        return new ErrorWindowProcessor(grace, closeCheckInterval);
      }

      @Override
      public Set<StoreBuilder<?>> stores() {
        return Set.of(PendingErrorWindows.store(STORE));
      }
    };
  }

  @Override
  public void init(ProcessorContext<String, ScopedErrorWindow> context) {
    this.context = context;
    this.pending = new PendingErrorWindows(context.getStateStore(STORE));
    context.schedule(closeCheckInterval, PunctuationType.WALL_CLOCK_TIME, this::closeIfIdle);
  }

  @Override
  public void process(Record<String, LlmCallEvent> record) {
    idle.input(context.currentSystemTimeMs());
    for (ScopedErrorWindow part : ScopedErrorWindow.of(record.value())) {
      pending.add(part);
    }
    // The close watermark only moves forward, so closing up to each call's time closes up to the
    // highest event time counted, and that survives a restart in the store.
    closeUpTo(record.value().getTimestamp().toEpochMilli(), false);
  }

  private void closeIfIdle(long wallClock) {
    if (idle.idleFor(graceMillis, wallClock)) {
      closeUpTo(wallClock, true);
    }
  }

  private void closeUpTo(long now, boolean byWallClock) {
    long before = Math.floorDiv(now - graceMillis, Minutes.MINUTE_MS) * Minutes.MINUTE_MS;
    for (ScopedErrorWindow closed : pending.close(before, byWallClock)) {
      context.forward(new Record<>(closed.scope().storeKey(), closed, closed.window().start().toEpochMilli()));
    }
  }
}
