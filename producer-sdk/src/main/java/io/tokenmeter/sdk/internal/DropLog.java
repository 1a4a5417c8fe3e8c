package io.tokenmeter.sdk.internal;

import io.tokenmeter.sdk.internal.Counters.Reason;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * Logs drops from the worker thread, never from the caller's: the first drop of each reason at
 * once (so a misconfiguration shows in the log right away), then at most one summary a minute. A
 * broker outage must not turn into a log flood on top of the outage.
 */
final class DropLog {

  private static final long SUMMARY_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final Logger log;
  private final Counters counters;
  private final long[] reported = new long[Reason.values().length];
  private final boolean[] announced = new boolean[Reason.values().length];
  private long lastSummaryNanos = System.nanoTime();

  DropLog(Logger log, Counters counters) {
    this.log = log;
    this.counters = counters;
  }

  void maybeLog() {
    long now = System.nanoTime();
    boolean summaryDue = now - lastSummaryNanos >= SUMMARY_INTERVAL_NANOS;
    StringBuilder summary = null;
    for (Reason reason : Reason.values()) {
      int i = reason.ordinal();
      long total = counters.dropped(reason);
      if (total == reported[i]) {
        continue;
      }
      if (!announced[i]) {
        announced[i] = true;
        String detail = counters.lastDetail(reason);
        log.warn(
            "Tokenmeter dropped an event ({}): {}. Later drops are summarised once a minute;"
                + " Tokenmeter.stats() has the counts.",
            reason.metricName,
            detail == null ? reason.explanation : detail);
        reported[i] = total;
      } else if (summaryDue) {
        if (summary == null) {
          summary = new StringBuilder("Tokenmeter dropped events in the last minute:");
        }
        summary.append(' ').append(reason.metricName).append('=').append(total - reported[i]);
        String detail = counters.lastDetail(reason);
        if (detail != null) {
          summary.append(" (last: ").append(detail).append(')');
        }
        reported[i] = total;
      }
    }
    if (summaryDue) {
      lastSummaryNanos = now;
      if (summary != null) {
        log.warn(summary.toString());
      }
    }
  }
}
