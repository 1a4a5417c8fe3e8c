package io.tokenmeter.alert;

import io.tokenmeter.config.AlertSettings;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.UsageRollup;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A model without a price ({@code unpriced_model}, warning): its requests have no cost, so cost
 * totals are understated until the price table gains it. Fires once per model on the first window
 * with unpriced requests; resolves after {@code calmWindowsToResolve} closed one-minute windows
 * without any.
 *
 * <p>Store: one {@link UnpricedModelState} per model, only while the alert is open.
 */
public final class UnpricedModelDetector {

  public static final String ALERT_TYPE = "unpriced_model";

  private final int calmToResolve;

  public UnpricedModelDetector(AlertSettings settings) {
    this.calmToResolve = Math.max(1, settings.calmWindowsToResolve());
  }

  /**
   * One closed window of one model, with the model's total unpriced requests in it (0 allowed).
   * Call once per model and window; the window counts as closed.
   *
   * @param state the stored state for {@code model}, or null
   */
  public Transition<UnpricedModelState> onWindowClosed(
      UnpricedModelState state,
      String model,
      Instant windowStart,
      long unpricedRequests,
      Instant now) {
    return step(state, model, Minutes.of(windowStart), unpricedRequests, true, now);
  }

  /**
   * One rollup, when the model's rollups of a window arrive one dimension set at a time. Any number
   * of calls per model and window is fine; the window counts as closed only once a later window or
   * {@link #onTime} shows it is.
   *
   * @param state the stored state for {@code rollup.getModel()}, or null
   */
  public Transition<UnpricedModelState> onRollup(
      UnpricedModelState state, UsageRollup rollup, Instant now) {
    return step(
        state,
        rollup.getModel(),
        Minutes.of(rollup.getWindowStart()),
        rollup.getUnpricedRequests(),
        false,
        now);
  }

  /**
   * Closes the windows that end at or before {@code closedUpTo}, resolving models that have been
   * priced (or unused) long enough. Call it for every stored model, for example from a stream-time
   * punctuator.
   */
  public Transition<UnpricedModelState> onTime(
      UnpricedModelState state, Instant closedUpTo, Instant now) {
    if (state == null) {
      return new Transition<>(null, List.of());
    }
    List<Alert> out = new ArrayList<>();
    return new Transition<>(close(state, Minutes.lastClosedBy(closedUpTo), now, out), out);
  }

  private Transition<UnpricedModelState> step(
      UnpricedModelState state,
      String model,
      long window,
      long unpriced,
      boolean windowIsClosed,
      Instant now) {
    List<Alert> out = new ArrayList<>();
    UnpricedModelState s = state == null ? null : close(state, window - 1, now, out);
    if (unpriced > 0) {
      if (s == null) {
        out.add(firing(model, window, unpriced, now));
        s = new UnpricedModelState(model, window, window - 1, unpriced);
      } else {
        s = new UnpricedModelState(
            model,
            Math.max(s.lastUnpricedMinute(), window),
            s.closedThrough(),
            s.unpricedRequests() + unpriced);
      }
    }
    if (s != null && windowIsClosed) {
      s = close(s, window, now, out);
    }
    return new Transition<>(s, out);
  }

  private UnpricedModelState close(
      UnpricedModelState s, long closedThrough, Instant now, List<Alert> out) {
    long through = Math.max(s.closedThrough(), closedThrough);
    if (through < s.lastUnpricedMinute() + calmToResolve) {
      return new UnpricedModelState(
          s.model(), s.lastUnpricedMinute(), through, s.unpricedRequests());
    }
    String summary = "Model "
        + s.model()
        + " has had no unpriced requests for "
        + calmToResolve
        + (calmToResolve == 1 ? " minute" : " minutes")
        + " ("
        + s.unpricedRequests()
        + " were uncosted while open)";
    Alert alert = Alerts.builder(
            dedupKey(s.model()),
            AlertState.RESOLVED,
            ALERT_TYPE,
            Severity.WARNING,
            Map.of("model", s.model()),
            Minutes.start(s.lastUnpricedMinute() + 1),
            Minutes.end(s.lastUnpricedMinute() + calmToResolve),
            now)
        .setObservedValue(0.0)
        .setThreshold(1.0)
        .setSummary(summary)
        .build();
    alert.getDetails().put("unpriced_requests_total", Long.toString(s.unpricedRequests()));
    out.add(alert);
    return null;
  }

  private Alert firing(String model, long window, long unpriced, Instant now) {
    String summary = "Model "
        + model
        + " has no price: "
        + unpriced
        + (unpriced == 1 ? " request" : " requests")
        + " in the minute from "
        + SummaryFormat.hhmm(Minutes.start(window))
        + " UTC have no cost; add it to the price table";
    Alert alert = Alerts.builder(
            dedupKey(model),
            AlertState.FIRING,
            ALERT_TYPE,
            Severity.WARNING,
            Map.of("model", model),
            Minutes.start(window),
            Minutes.end(window),
            now)
        .setObservedValue((double) unpriced)
        .setThreshold(1.0)
        .setSummary(summary)
        .build();
    alert.getDetails().put("unpriced_requests", Long.toString(unpriced));
    return alert;
  }

  /** {@code unpriced_model:<model>}. */
  public static String dedupKey(String model) {
    return DedupKeys.of(ALERT_TYPE, model);
  }
}
