package io.tokenmeter.rollup;

import io.tokenmeter.cost.Pricing;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.UsageRollup;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Adds each event to its one-minute event-time window and emits one final {@link UsageRollup}
 * per window and dimension set once the window closes: when event time passes window end +
 * grace, or, because event time stalls when traffic stops, when wall-clock time does (checked
 * every {@code closeCheckInterval}). Windows are emitted in window order.
 *
 * <p>The wall clock only closes windows once the task has been idle (no event) for the grace
 * period. While events flow, event time closes windows by itself; and a task catching up on a
 * backlog after a restart or an outage must not have its windows closed under it by a wall clock
 * that is minutes ahead of the events it is still reading, which would make the whole backlog
 * late. When traffic stops, the windows close at most one grace period after the last event.
 *
 * <p>Every update changes the window's aggregate on the heap, in the {@link RollupStores#WINDOWS}
 * store ({@link HeapWindows}), which logs it in every commit; emitting a window marks it closed
 * there and advances the {@link RollupStores#CLOCK} watermark, so under exactly-once an emitted
 * rollup, its closed mark and the watermark commit together.
 */
final class MinuteWindows {

  /**
   * Rollups emitted per event at most. An event opens at most one window, so the queue drains
   * faster than windows close; 64 rollups cost a few milliseconds.
   */
  static final int EMIT_PER_EVENT = 64;
  /** Rollups emitted per wall-clock check at most, for when events are few or none. */
  static final int EMIT_PER_WALL_CLOCK_CHECK = 20_000;

  private final long graceMillis;
  private final Pricing pricing;
  /** The child the final rollups go to, by name. */
  private final String child;

  private ProcessorContext<String, Object> context;
  private HeapWindows<Dimensions, RollupAggregate> windows;
  private KeyValueStore<String, Long> clock;
  /** The highest event time counted, as in {@link RollupStores#CLOCK}; read once, written when its minute moves. */
  private long eventTime = Long.MIN_VALUE;
  /** Windows starting before this are closed, as in {@link RollupStores#CLOCK}. */
  private long closedBefore = Long.MIN_VALUE;
  /** Only decides when the wall clock may close windows; no count depends on it. */
  private final IdleTimer idle = new IdleTimer();
  /** The window start of the last rollup emitted, and the same in ISO-8601, its key's prefix. */
  private long keyStart = Long.MIN_VALUE;

  private String keyStartIso;
  /** Closed windows not yet emitted, in emission order; each stays in the store until it is out. */
  private final ArrayDeque<HeapWindows.Slot<Dimensions, RollupAggregate>> closed =
      new ArrayDeque<>();

  MinuteWindows(Duration grace, Pricing pricing, String child) {
    this.graceMillis = grace.toMillis();
    this.pricing = pricing;
    this.child = child;
  }

  void init(ProcessorContext<String, Object> context) {
    this.context = context;
    this.windows = context.getStateStore(RollupStores.WINDOWS);
    this.clock = context.getStateStore(RollupStores.CLOCK);
    this.eventTime = orMin(clock.get(RollupStores.EVENT_TIME));
    this.closedBefore = orMin(clock.get(RollupStores.CLOSED_BEFORE));
    // Windows closed before a restart whose rollups had not all gone out are still in the store.
    closed.clear();
    closed.addAll(windows.takeBefore(closedBefore));
  }

  /** Windows starting before this are closed: an event in one of them is late. */
  long closedBefore() {
    return closedBefore;
  }

  /**
   * The wall-clock check: closes windows when the task has been idle for the grace period, and
   * emits a batch of closed ones. Returns whether the close watermark moved.
   */
  boolean onWallClock(long wallClock) {
    long before = closedBefore;
    if (idle.idleFor(graceMillis, wallClock)) {
      closeWindowsUpTo(wallClock, true);
    }
    emitClosed(EMIT_PER_WALL_CLOCK_CHECK);
    return closedBefore != before;
  }

  /**
   * Adds an accepted call (on time, first seen, folded) at its event time {@code time}, closes the
   * windows its event time closes, and emits a few closed ones. Returns whether the close
   * watermark moved.
   */
  boolean add(Call call, long time) {
    idle.input(context.currentSystemTimeMs());
    LlmCallEvent event = call.event();
    long before = closedBefore;
    windows
        .forUpdate(RollupKeys.windowStart(time), call.dimensions())
        .add(event, call.folded(), pricing.costMicros(event), pricing.version());

    if (time > eventTime) {
      // Windows close only when event time - grace enters a new minute, so only then is there
      // anything to close or worth writing: not a store write per event of a backlog.
      boolean newMinute = eventTime == Long.MIN_VALUE
          || RollupKeys.windowStart(time - graceMillis)
              > RollupKeys.windowStart(eventTime - graceMillis);
      eventTime = time;
      if (newMinute) {
        clock.put(RollupStores.EVENT_TIME, eventTime);
        closeWindowsUpTo(eventTime, false);
      }
    }
    emitClosed(EMIT_PER_EVENT);
    return closedBefore != before;
  }

  /**
   * Emits up to {@code max} closed windows, in order: a minute's tens of thousands of rollups go
   * out a few per event instead of in one call, so the task's commits, and the alerts they carry,
   * never wait behind them. A window is marked closed in the store as its rollup goes, so under
   * exactly-once each one is either emitted and marked, or still stored and emitted after a
   * restart.
   */
  private void emitClosed(int max) {
    for (int i = 0; i < max && !closed.isEmpty(); i++) {
      HeapWindows.Slot<Dimensions, RollupAggregate> window = closed.poll();
      long windowEnd = window.windowStart + RollupKeys.WINDOW_MILLIS;
      UsageRollup rollup = window.value.toRollup(window.windowStart, windowEnd, window.key);
      if (window.windowStart != keyStart) {
        keyStart = window.windowStart;
        keyStartIso = Instant.ofEpochMilli(keyStart).toString();
      }
      context.forward(
          new Record<>(RollupKeys.outputKey(keyStartIso, window.key), rollup, window.windowStart),
          child);
      windows.forget(window);
    }
  }

  private static long orMin(Long value) {
    return value == null ? Long.MIN_VALUE : value;
  }

  /**
   * Closes, in window order, every window whose end + grace is at or before {@code now}, queues
   * them for {@link #emitClosed}, and moves the close watermark there. When {@code now} is the wall
   * clock, the watermark moves no further
   * than the end of the last window it emitted: the wall clock says nothing about windows nobody
   * wrote to yet, and a task that has a backlog still to read (it may look idle while it waits for
   * its first fetch) must not turn that backlog late.
   */
  private void closeWindowsUpTo(long now, boolean byWallClock) {
    long closeBefore = RollupKeys.windowStart(now - graceMillis);
    if (closeBefore <= closedBefore) {
      return;
    }
    List<HeapWindows.Slot<Dimensions, RollupAggregate>> closing = windows.takeBefore(closeBefore);
    long lastEnd = Long.MIN_VALUE;
    for (HeapWindows.Slot<Dimensions, RollupAggregate> window : closing) {
      closed.add(window);
      lastEnd = window.windowStart + RollupKeys.WINDOW_MILLIS;
    }
    if (byWallClock) {
      if (closing.isEmpty()) {
        return;
      }
      closeBefore = Math.min(closeBefore, lastEnd);
    }
    closedBefore = closeBefore;
    clock.put(RollupStores.CLOSED_BEFORE, closeBefore);
  }
}
