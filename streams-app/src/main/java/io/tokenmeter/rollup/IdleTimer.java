package io.tokenmeter.rollup;

/**
 * How long a task has gone without input, by the wall clock, for the processors that close
 * windows by wall clock once traffic stops.
 *
 * <p>The timer starts at the first wall-clock check, not at {@code init()}: Kafka Streams
 * initialises a new task's processors before it has set the task's system time (it reads 0 there),
 * so a timer started in {@code init()} would find the task "idle since 1970" at its first check and
 * close every window up to now, turning a whole backlog (a restart after an outage, a replay) into
 * late events before its first record was processed.
 */
public final class IdleTimer {

  private long lastInputMs = -1;

  /** Input arrived at {@code wallClockMs}. */
  public void input(long wallClockMs) {
    lastInputMs = wallClockMs;
  }

  /**
   * Whether no input arrived for at least {@code thresholdMs} up to {@code wallClockMs}. The first
   * call only starts the timer.
   */
  public boolean idleFor(long thresholdMs, long wallClockMs) {
    if (lastInputMs < 0) {
      lastInputMs = wallClockMs;
      return false;
    }
    return wallClockMs - lastInputMs >= thresholdMs;
  }
}
