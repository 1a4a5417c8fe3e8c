package io.tokenmeter.alert;

import io.tokenmeter.rollup.HeapStateStoreBuilder;
import io.tokenmeter.rollup.HeapWindows;
import io.tokenmeter.rollup.IdleTimer;
import io.tokenmeter.schemas.LlmCallEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
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
 * <p>The counts are on the heap ({@link HeapWindows}), changed in place per call and written to the
 * logged store at every commit, in the layout {@link PendingErrorWindows} also uses, with the close
 * watermark written through beside them.
 *
 * <p>Why not from the rollups: a rollup's model is the response model when there is one, and
 * failed calls have none, so successes and failures of one requested model would land in different
 * scopes. Pre-aggregating here keeps the repartition to one record per scope, minute and partition.
 */
final class ErrorWindowCounter {

  static final String STORE = "alert-error-windows-local";

  private final long graceMillis;
  private final Duration closeCheckInterval;
  /** The child the closed windows go to, by name. */
  private final String child;

  private ProcessorContext<String, Object> context;
  private HeapWindows<ErrorRateScope, ErrorCounts> windows;
  /** Windows starting before this are closed; kept in the store beside the windows. */
  private long closedBefore;
  /** Only decides when the wall clock may close windows; no count depends on it. */
  private final IdleTimer idle = new IdleTimer();

  ErrorWindowCounter(Duration grace, Duration closeCheckInterval, String child) {
    this.graceMillis = grace.toMillis();
    this.closeCheckInterval = closeCheckInterval;
    this.child = child;
  }

  static StoreBuilder<HeapWindows<ErrorRateScope, ErrorCounts>> store() {
    return new HeapStateStoreBuilder<>(STORE) {
      @Override
      protected HeapWindows<ErrorRateScope, ErrorCounts> over(KeyValueStore<Bytes, byte[]> logged) {
        return new HeapWindows<>(logged, LAYOUT);
      }
    };
  }

  void init(ProcessorContext<String, Object> context) {
    this.context = context;
    this.windows = context.getStateStore(STORE);
    byte[] stored = windows.readThrough(PendingErrorWindows.CLOSED_BEFORE);
    this.closedBefore = stored == null
        ? Long.MIN_VALUE
        : Long.parseLong(new String(stored, StandardCharsets.UTF_8));
    context.schedule(closeCheckInterval, PunctuationType.WALL_CLOCK_TIME, this::closeIfIdle);
  }

  /** Counts one accepted call, and sends out the windows its event time closes. */
  void count(LlmCallEvent event) {
    idle.input(context.currentSystemTimeMs());
    long eventTime = event.getTimestamp().toEpochMilli();
    long start = Math.floorDiv(eventTime, Minutes.MINUTE_MS) * Minutes.MINUTE_MS;
    if (start >= closedBefore) {
      ErrorClass errorClass = ErrorClass.of(event.getErrorType());
      windows
          .forUpdate(start, ErrorRateScope.forService(event.getRequestModel(), event.getService()))
          .count(errorClass);
      windows
          .forUpdate(start, ErrorRateScope.forOrg(event.getRequestModel(), event.getOrgId()))
          .count(errorClass);
    }
    // The close watermark only moves forward, so closing up to each call's time closes up to the
    // highest event time counted, and that survives a restart in the store.
    closeUpTo(eventTime, false);
  }

  private void closeIfIdle(long wallClock) {
    if (idle.idleFor(graceMillis, wallClock)) {
      closeUpTo(wallClock, true);
    }
  }

  /**
   * Forwards, in window order, every window starting before the minute of {@code now - grace}.
   * By the wall clock, the watermark moves no further than the end of the last window taken out,
   * and not at all when none was open: a task still waiting for its backlog must not have that
   * backlog's calls dropped.
   */
  private void closeUpTo(long now, boolean byWallClock) {
    long before = Math.floorDiv(now - graceMillis, Minutes.MINUTE_MS) * Minutes.MINUTE_MS;
    if (before <= closedBefore) {
      return;
    }
    List<HeapWindows.Slot<ErrorRateScope, ErrorCounts>> closed = windows.removeBefore(before);
    long lastEnd = Long.MIN_VALUE;
    for (HeapWindows.Slot<ErrorRateScope, ErrorCounts> slot : closed) {
      ScopedErrorWindow part =
          new ScopedErrorWindow(slot.key, slot.value.toWindow(slot.windowStart));
      context.forward(new Record<>(slot.key.storeKey(), part, slot.windowStart), child);
      lastEnd = Math.max(lastEnd, slot.windowStart + Minutes.MINUTE_MS);
    }
    if (byWallClock) {
      if (closed.isEmpty()) {
        return;
      }
      before = Math.min(before, lastEnd);
    }
    closedBefore = before;
    windows.writeThrough(
        PendingErrorWindows.CLOSED_BEFORE, Long.toString(before).getBytes(StandardCharsets.UTF_8));
  }

  /** The layout of {@link PendingErrorWindows}, so a restore reads what earlier versions wrote. */
  static final HeapWindows.Layout<ErrorRateScope, ErrorCounts> LAYOUT = new HeapWindows.Layout<>() {
    @Override
    public Bytes storeKey(long windowStart, ErrorRateScope scope) {
      return PendingErrorWindows.key(windowStart, scope);
    }

    @Override
    public byte[] encode(long windowStart, ErrorRateScope scope, ErrorCounts counts) {
      return new ScopedErrorWindow(scope, counts.toWindow(windowStart)).encode();
    }

    @Override
    public HeapWindows.Slot<ErrorRateScope, ErrorCounts> decode(Bytes storeKey, byte[] value) {
      if (storeKey.get().length > 0 && storeKey.get()[0] == '~') {
        return null; // a watermark, kept beside the windows
      }
      ScopedErrorWindow part = ScopedErrorWindow.decode(value);
      return new HeapWindows.Slot<>(
          part.window().start().toEpochMilli(), part.scope(), ErrorCounts.of(part.window()));
    }

    @Override
    public ErrorCounts create() {
      return new ErrorCounts();
    }
  };
}
