package io.tokenmeter.alert;

import io.tokenmeter.alert.RateLimitState.Gauge;
import io.tokenmeter.config.AlertSettings;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.RateLimitSnapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Rate-limit proximity per (org/project, model), for requests and for tokens separately.
 *
 * <p>Counts what the scope used in the current event-time minute against its limit: the most
 * specific {@code alerts.rate.limit.<n>.*} entry that matches, else the latest {@code
 * x-ratelimit-limit-*} header seen for the scope. The provider's {@code x-ratelimit-remaining-*}
 * headers count too (they see traffic we do not meter): utilization is the higher of {@code
 * used/limit} and {@code (limit-remaining)/limit}.
 *
 * <p>Fires on the event that crosses the warning or the critical fraction; crossing critical while
 * warning is open re-fires under the same dedup key with the higher severity. It never
 * de-escalates. It resolves once {@code calmWindowsToResolve} consecutive closed minutes peaked
 * under the warning fraction; minutes without traffic are calm.
 *
 * <p>Minutes close when an event of a later minute arrives for the scope, or when the topology
 * calls {@link #onTime} with the time up to which minutes are final. An event whose minute is
 * already closed (late) is ignored.
 *
 * <p>Store: one {@link RateLimitState} per {@link RateLimitScope#storeKey()}, kept while traffic
 * flows (it remembers the header limit) and deleted once a closed minute passed without a call while
 * no alert of the scope is open; cardinality is the orgs/projects times models calling now.
 */
public final class RateLimitDetector {

  private final AlertSettings settings;
  private final int calmToResolve;
  private final List<AlertSettings.RateLimit> configured;

  public RateLimitDetector(AlertSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.calmToResolve = Math.max(1, settings.calmWindowsToResolve());
    this.configured =
        settings.rateLimits() == null ? List.of() : List.copyOf(settings.rateLimits());
  }

  /**
   * Counts one call and fires when it crosses a threshold.
   *
   * @param state the stored state for {@code RateLimitScope.of(event)}, or null
   * @param event the call
   * @param now stamped as {@code emitted_at}
   */
  public Transition<RateLimitState> onEvent(RateLimitState state, LlmCallEvent event, Instant now) {
    List<Alert> out = new ArrayList<>();
    long minute = Minutes.of(event.getTimestamp());
    RateLimitState s = closeBefore(
        state == null ? RateLimitState.initial(RateLimitScope.of(event)) : state, minute, now, out);
    if (minute < s.openMinute()) {
      return new Transition<>(s, out); // late: that minute has closed
    }
    RateLimitSnapshot headers = event.getRateLimit();
    long tokens = orZero(event.getInputTokens()) + orZero(event.getOutputTokens());
    s = observe(
        s,
        RateLimitMetric.REQUESTS,
        1,
        headers == null ? null : headers.getLimitRequests(),
        headers == null ? null : headers.getRemainingRequests(),
        now,
        out);
    s = observe(
        s,
        RateLimitMetric.TOKENS,
        tokens,
        headers == null ? null : headers.getLimitTokens(),
        headers == null ? null : headers.getRemainingTokens(),
        now,
        out);
    return new Transition<>(s, out);
  }

  /**
   * Closes every minute that ends at or before {@code closedUpTo} (stream time minus grace),
   * counting calm minutes and resolving. Call it for every stored scope, for example from a
   * stream-time punctuator once a minute, so that scopes that went quiet resolve.
   */
  public Transition<RateLimitState> onTime(RateLimitState state, Instant closedUpTo, Instant now) {
    if (state == null) {
      return new Transition<>(null, List.of());
    }
    List<Alert> out = new ArrayList<>();
    long closedMinute = Minutes.of(closedUpTo);
    boolean idleMinuteClosed = state.openMinute() != Minutes.NONE
        && closedMinute > state.openMinute()
        && state.requests().used() == 0;
    RateLimitState s = closeBefore(state, closedMinute, now, out);
    if (idleMinuteClosed && s.requests().firing() == null && s.tokens().firing() == null) {
      // A whole closed minute without a call and nothing open: forget the scope, so that the
      // store holds the scopes that call now, not every org/project ever seen. The header limit
      // it remembered comes back with the next call's headers.
      return new Transition<>(null, out);
    }
    return new Transition<>(s, out);
  }

  /** The configured limit for {@code scope}, or null: the most specific matching entry wins. */
  Long configuredLimit(RateLimitScope scope, RateLimitMetric metric) {
    Long best = null;
    int bestScore = -1;
    for (AlertSettings.RateLimit limit : configured) {
      Long value =
          metric == RateLimitMetric.REQUESTS ? limit.requestsPerMinute() : limit.tokensPerMinute();
      if (value == null
          || value <= 0
          || !matches(limit.orgId(), scope.orgId())
          || !matches(limit.projectId(), scope.projectId())
          || !matches(limit.model(), scope.model())) {
        continue;
      }
      // A model is more specific than a project: provider limits are per model.
      int score = (limit.model() != null ? 4 : 0)
          + (limit.projectId() != null ? 2 : 0)
          + (limit.orgId() != null ? 1 : 0);
      if (score > bestScore) {
        best = value;
        bestScore = score;
      }
    }
    return best;
  }

  private static boolean matches(String configured, String actual) {
    return configured == null || configured.equals(actual);
  }

  /** Moves the open minute forward to {@code minute}, closing the ones in between. */
  private RateLimitState closeBefore(RateLimitState s, long minute, Instant now, List<Alert> out) {
    if (s.openMinute() == Minutes.NONE) {
      return new RateLimitState(s.scope(), minute, s.requests(), s.tokens());
    }
    if (minute <= s.openMinute()) {
      return s;
    }
    long emptyMinutes = minute - s.openMinute() - 1;
    for (RateLimitMetric metric : RateLimitMetric.values()) {
      Gauge g = close(s.scope(), metric, s.gauge(metric), s.openMinute(), emptyMinutes, now, out);
      s = s.with(metric, g.newMinute());
    }
    return new RateLimitState(s.scope(), minute, s.requests(), s.tokens());
  }

  /** Closes {@code closed} with its peak, then {@code emptyMinutes} minutes without traffic. */
  private Gauge close(
      RateLimitScope scope,
      RateLimitMetric metric,
      Gauge g,
      long closed,
      long emptyMinutes,
      Instant now,
      List<Alert> out) {
    if (g.firing() == null) {
      return g;
    }
    int calm = g.peak() < settings.warningFraction() ? g.calmMinutes() + 1 : 0;
    long lastCalm = closed;
    double lastPeak = g.peak();
    if (calm < calmToResolve && emptyMinutes > 0) {
      long more = Math.min(emptyMinutes, calmToResolve - calm);
      calm += (int) more;
      lastCalm += more;
      lastPeak = 0;
    }
    if (calm < calmToResolve) {
      return new Gauge(g.used(), g.peak(), g.headerLimit(), g.firing(), calm);
    }
    out.add(resolved(scope, metric, g, lastCalm, lastPeak, now));
    return new Gauge(g.used(), g.peak(), g.headerLimit(), null, 0);
  }

  private RateLimitState observe(
      RateLimitState s,
      RateLimitMetric metric,
      long amount,
      Long limitHeader,
      Long remainingHeader,
      Instant now,
      List<Alert> out) {
    Gauge g = s.gauge(metric);
    long headerLimit = limitHeader != null && limitHeader > 0 ? limitHeader : g.headerLimit();
    Long configured = configuredLimit(s.scope(), metric);
    long limit = configured != null ? configured : headerLimit;
    long used = g.used() + amount;

    double counted = limit > 0 ? (double) used / limit : 0;
    double reported = 0;
    long reportedLimit = limitHeader != null && limitHeader > 0 ? limitHeader : limit;
    if (remainingHeader != null && reportedLimit > 0) {
      long remaining = Math.max(0, Math.min(remainingHeader, reportedLimit));
      reported = (double) (reportedLimit - remaining) / reportedLimit;
    }
    double utilization = Math.max(counted, reported);
    Severity level = utilization >= settings.criticalFraction()
        ? Severity.CRITICAL
        : utilization >= settings.warningFraction() ? Severity.WARNING : null;

    Severity firing = g.firing();
    int calm = g.calmMinutes();
    if (level != null && (firing == null || level.compareTo(firing) > 0)) {
      boolean byHeader = reported > counted;
      out.add(firing(
          s.scope(),
          metric,
          level,
          utilization,
          byHeader ? reportedLimit : limit,
          byHeader ? "header" : configured != null ? "config" : "header",
          byHeader,
          used,
          remainingHeader,
          s.openMinute(),
          now));
      firing = level;
      calm = 0;
    }
    return s.with(
        metric, new Gauge(used, Math.max(g.peak(), utilization), headerLimit, firing, calm));
  }

  private Alert firing(
      RateLimitScope scope,
      RateLimitMetric metric,
      Severity level,
      double utilization,
      long limit,
      String limitSource,
      boolean byHeader,
      long used,
      Long remaining,
      long minute,
      Instant now) {
    double threshold =
        level == Severity.CRITICAL ? settings.criticalFraction() : settings.warningFraction();
    String summary = scope.humanLabel()
        + " at "
        + SummaryFormat.percent(utilization)
        + " of its "
        + limit
        + " "
        + metric.unit()
        + "/min limit"
        + (byHeader ? " by the provider's remaining-" + metric.unit() + " header" : "")
        + " ("
        + level.wireName()
        + " ≥ "
        + SummaryFormat.percent(threshold)
        + ")";
    Alert alert = Alerts.builder(
            dedupKey(scope, metric),
            AlertState.FIRING,
            metric.alertType(),
            level,
            scope.asMap(),
            Minutes.start(minute),
            Minutes.end(minute),
            now)
        .setObservedValue(utilization)
        .setThreshold(threshold)
        .setSummary(summary)
        .build();
    alert.getDetails().put("limit", Long.toString(limit));
    alert.getDetails().put("limit_source", limitSource);
    alert.getDetails().put("used_this_minute", Long.toString(used));
    alert.getDetails().put("basis", byHeader ? "remaining_header" : "used_this_minute");
    if (remaining != null) {
      alert.getDetails().put("remaining", Long.toString(remaining));
    }
    return alert;
  }

  private Alert resolved(
      RateLimitScope scope,
      RateLimitMetric metric,
      Gauge g,
      long lastCalm,
      double peak,
      Instant now) {
    String summary = scope.humanLabel()
        + " back under "
        + SummaryFormat.percent(settings.warningFraction())
        + " of its "
        + metric.unit()
        + "/min limit for "
        + calmToResolve
        + (calmToResolve == 1 ? " minute" : " minutes")
        + " (was "
        + g.firing().wireName()
        + ")";
    return Alerts.builder(
            dedupKey(scope, metric),
            AlertState.RESOLVED,
            metric.alertType(),
            g.firing(),
            scope.asMap(),
            Minutes.start(lastCalm - calmToResolve + 1),
            Minutes.end(lastCalm),
            now)
        .setObservedValue(peak)
        .setThreshold(settings.warningFraction())
        .setSummary(summary)
        .build();
  }

  /** {@code rate_limit_requests:org-1/proj-a:gpt-4o}. */
  public static String dedupKey(RateLimitScope scope, RateLimitMetric metric) {
    return DedupKeys.of(metric.alertType(), scope.orgLabel(), scope.model());
  }

  private static long orZero(Long value) {
    return value == null ? 0 : value;
  }
}
