package io.tokenmeter.alert;

import io.tokenmeter.alert.ErrorRateState.ClassState;
import io.tokenmeter.config.AlertSettings;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Error-rate spikes per (model, service) and per (model, org), one alert per {@link ErrorClass}.
 *
 * <p>Per closed one-minute window, a class fires when its rate exceeds {@code max(baseline ×
 * spikeFactor, minRate)} and the window has at least {@code minRequests} requests. The baseline is
 * an EWMA ({@code baselineAlpha}) of past windows; without one yet, the threshold is {@code
 * minRate}. Only windows that had enough requests, were not over the threshold and came while the
 * class was not firing feed the baseline: a spike never raises its own bar, a long outage stays
 * visible instead of becoming the new normal, and "resolved" means back under the bar that held
 * before the incident.
 *
 * <p>It resolves after {@code calmWindowsToResolve} consecutive windows under the threshold.
 * Windows with no requests are calm. A small window (under {@code minRequests}) never fires, but
 * one that is still over the threshold keeps an open alert open.
 *
 * <p>Store: one {@link ErrorRateState} per {@link ErrorRateScope#storeKey()}.
 */
public final class ErrorRateDetector {

  private final AlertSettings.ErrorRate config;
  private final int calmToResolve;

  public ErrorRateDetector(AlertSettings settings) {
    this.config = Objects.requireNonNull(settings.errorRate(), "settings.errorRate");
    this.calmToResolve = Math.max(1, settings.calmWindowsToResolve());
  }

  /**
   * Evaluates one closed window of {@code scope}. Call once per scope and window, in window order,
   * with the counts of the whole window; a window that ends at or before the last one counted is
   * ignored. Missing windows since the last one count as windows without requests.
   *
   * @param state the stored state for {@code scope.storeKey()}, or null
   */
  public Transition<ErrorRateState> onWindowClosed(
      ErrorRateState state, ErrorRateScope scope, ErrorWindow window, Instant now) {
    long end = window.end().toEpochMilli();
    ErrorRateState s = state != null ? state : new ErrorRateState(scope, Minutes.NONE, Map.of());
    if (s.lastWindowEnd() != Minutes.NONE && end <= s.lastWindowEnd()) {
      return new Transition<>(state, List.of());
    }
    List<Alert> out = new ArrayList<>();
    s = skipEmptyWindows(s, window.start().toEpochMilli(), now, out);
    Map<ErrorClass, ClassState> classes = new EnumMap<>(ErrorClass.class);
    for (ErrorClass c : ErrorClass.values()) {
      ClassState next = evaluate(scope, c, s.of(c), window, now, out);
      if (!next.isFresh()) {
        classes.put(c, next);
      }
    }
    // A scope that never had enough traffic for a baseline needs no store entry.
    return new Transition<>(
        classes.isEmpty() ? null : new ErrorRateState(scope, end, classes), out);
  }

  /**
   * Counts the windows that end at or before {@code closedUpTo} and were never reported as windows
   * without requests, so scopes that went quiet resolve. Call it for every stored scope, for
   * example from a stream-time punctuator, with the time up to which windows are final.
   */
  public Transition<ErrorRateState> onTime(ErrorRateState state, Instant closedUpTo, Instant now) {
    if (state == null) {
      return new Transition<>(null, List.of());
    }
    List<Alert> out = new ArrayList<>();
    long closedEnd = Minutes.start(Minutes.of(closedUpTo)).toEpochMilli();
    ErrorRateState s = skipEmptyWindows(state, closedEnd, now, out);
    return new Transition<>(s, out);
  }

  private ErrorRateState skipEmptyWindows(
      ErrorRateState s, long upTo, Instant now, List<Alert> out) {
    if (s.lastWindowEnd() == Minutes.NONE || upTo <= s.lastWindowEnd()) {
      return s;
    }
    long empty = (upTo - s.lastWindowEnd()) / Minutes.MINUTE_MS;
    if (empty <= 0) {
      return s;
    }
    Map<ErrorClass, ClassState> classes = new EnumMap<>(ErrorClass.class);
    for (Map.Entry<ErrorClass, ClassState> e : s.classes().entrySet()) {
      ClassState c = e.getValue();
      if (c.firing() != null) {
        long calm = Math.min(calmToResolve, c.calmWindows() + empty);
        if (calm >= calmToResolve) {
          long lastCalm = Minutes.of(Instant.ofEpochMilli(s.lastWindowEnd()))
              + (calmToResolve - c.calmWindows())
              - 1;
          out.add(resolved(s.scope(), e.getKey(), c.firing(), 0, threshold(c), lastCalm, now));
          c = new ClassState(c.baseline(), null, 0);
        } else {
          c = new ClassState(c.baseline(), c.firing(), (int) calm);
        }
      }
      classes.put(e.getKey(), c);
    }
    long newEnd = s.lastWindowEnd() + empty * Minutes.MINUTE_MS;
    return new ErrorRateState(s.scope(), newEnd, classes);
  }

  private ClassState evaluate(
      ErrorRateScope scope,
      ErrorClass c,
      ClassState s,
      ErrorWindow window,
      Instant now,
      List<Alert> out) {
    double rate = window.rate(c);
    double threshold = threshold(s);
    boolean over = rate > threshold;
    boolean enough = window.requests() >= config.minRequests();

    double baseline = s.baseline();
    if (enough && !over && s.firing() == null) {
      double alpha = config.baselineAlpha();
      baseline = Double.isNaN(baseline) ? rate : alpha * rate + (1 - alpha) * baseline;
    }

    if (s.firing() == null) {
      if (enough && over) {
        out.add(firing(scope, c, s, rate, threshold, window, now));
        return new ClassState(baseline, c.severity(), 0);
      }
      return new ClassState(baseline, null, 0);
    }
    int calm = over ? 0 : s.calmWindows() + 1;
    if (calm >= calmToResolve) {
      long lastCalm = Minutes.of(window.start());
      out.add(resolved(scope, c, s.firing(), rate, threshold, lastCalm, now));
      return new ClassState(baseline, null, 0);
    }
    return new ClassState(baseline, s.firing(), calm);
  }

  private double threshold(ClassState s) {
    return Double.isNaN(s.baseline())
        ? config.minRate()
        : Math.max(s.baseline() * config.spikeFactor(), config.minRate());
  }

  private Alert firing(
      ErrorRateScope scope,
      ErrorClass c,
      ClassState s,
      double rate,
      double threshold,
      ErrorWindow window,
      Instant now) {
    String baseline = Double.isNaN(s.baseline())
        ? "no baseline yet"
        : "baseline " + SummaryFormat.percent1(s.baseline());
    String summary = scope.humanLabel()
        + ": "
        + SummaryFormat.percent1(rate)
        + " "
        + c.description()
        + " ("
        + window.errors(c)
        + " of "
        + window.requests()
        + " requests) in the minute from "
        + SummaryFormat.hhmm(window.start())
        + " UTC, over "
        + SummaryFormat.percent1(threshold)
        + " ("
        + baseline
        + ")";
    Alert alert = Alerts.builder(
            dedupKey(scope, c),
            AlertState.FIRING,
            "error_rate",
            c.severity(),
            scope.asMap(c),
            window.start(),
            window.end(),
            now)
        .setObservedValue(rate)
        .setThreshold(threshold)
        .setSummary(summary)
        .build();
    alert.getDetails().put("requests", Long.toString(window.requests()));
    alert.getDetails().put("errors", Long.toString(window.errors(c)));
    if (!Double.isNaN(s.baseline())) {
      alert.getDetails().put("baseline", SummaryFormat.number(s.baseline()));
    }
    return alert;
  }

  private Alert resolved(
      ErrorRateScope scope,
      ErrorClass c,
      Severity severity,
      double rate,
      double threshold,
      long lastCalmMinute,
      Instant now) {
    String summary = scope.humanLabel()
        + ": "
        + c.description()
        + " back under "
        + SummaryFormat.percent1(threshold)
        + " for "
        + calmToResolve
        + (calmToResolve == 1 ? " minute" : " minutes");
    return Alerts.builder(
            dedupKey(scope, c),
            AlertState.RESOLVED,
            "error_rate",
            severity,
            scope.asMap(c),
            Minutes.start(lastCalmMinute - calmToResolve + 1),
            Minutes.end(lastCalmMinute),
            now)
        .setObservedValue(rate)
        .setThreshold(threshold)
        .setSummary(summary)
        .build();
  }

  /** {@code error_rate:server:gpt-4o:service=checkout}. */
  public static String dedupKey(ErrorRateScope scope, ErrorClass c) {
    return DedupKeys.of(
        "error_rate", c.wireName(), scope.model(), scope.dimension() + "=" + scope.value());
  }
}
