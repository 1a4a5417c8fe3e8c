package io.tokenmeter.config;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Alert thresholds.
 *
 * @param warningFraction {@code alerts.rate.limit.warning}, default 0.80
 * @param criticalFraction {@code alerts.rate.limit.critical}, default 0.95
 * @param calmWindowsToResolve {@code alerts.calm.windows}, default 2: minutes under the thresholds
 *     before an alert resolves
 * @param rateLimits {@code alerts.rate.limit.<n>.*}: configured limits; otherwise the provider's
 *     latest {@code x-ratelimit-limit-*} headers are used
 * @param errorRate {@code alerts.error.rate.*}
 * @param keyAllowList {@code alerts.key.allow.list}: fingerprints allowed to call; empty means
 *     no allow-list
 */
public record AlertSettings(
    double warningFraction,
    double criticalFraction,
    int calmWindowsToResolve,
    List<RateLimit> rateLimits,
    ErrorRate errorRate,
    Set<String> keyAllowList) {

  public AlertSettings {
    rateLimits = List.copyOf(rateLimits);
    Objects.requireNonNull(errorRate, "errorRate");
    keyAllowList = Set.copyOf(keyAllowList);
  }

  /**
   * A configured requests-per-minute and tokens-per-minute limit for one org/project and model.
   * Null project or model means any.
   */
  public record RateLimit(
      String orgId, String projectId, String model, Long requestsPerMinute, Long tokensPerMinute) {

    public RateLimit {
      Objects.requireNonNull(orgId, "orgId");
    }
  }

  /**
   * @param minRequests {@code alerts.error.rate.min.requests}, default 20: a window with fewer
   *     requests never fires
   * @param spikeFactor {@code alerts.error.rate.spike.factor}, default 3.0: fire when the window
   *     rate exceeds the baseline times this
   * @param minRate {@code alerts.error.rate.min.rate}, default 0.05: and exceeds this absolute rate
   * @param baselineAlpha {@code alerts.error.rate.baseline.alpha}, default 0.2: EWMA weight of the
   *     newest window
   */
  public record ErrorRate(
      int minRequests, double spikeFactor, double minRate, double baselineAlpha) {}
}
