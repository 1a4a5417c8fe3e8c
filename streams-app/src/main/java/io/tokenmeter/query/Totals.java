package io.tokenmeter.query;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.tokenmeter.schemas.UsageRollup;

/**
 * The sum of some rollups: counts add up, cost stays integer micro-dollars and null until a priced
 * request is added, latency sketches merge, the rate-limit utilization keeps its peak.
 */
final class Totals {
  long requests;
  long errors;
  long inputTokens;
  long outputTokens;
  long unpricedRequests;
  /** Null while no added rollup had a priced request. */
  Long costMicros;
  /** Null while no added rollup had rate-limit headers. */
  Double peakRateLimitUtilization;
  /** Null while no added rollup had a latency. */
  DDSketch latency;
  /** The latest non-null key hint seen (the group's, for {@code group=key}). */
  String apiKeyHint;

  private long hintWindow = Long.MIN_VALUE;

  void add(UsageRollup r) {
    requests += r.getRequests();
    errors += r.getErrors();
    inputTokens += r.getInputTokens();
    outputTokens += r.getOutputTokens();
    unpricedRequests += r.getUnpricedRequests();
    if (r.getCostMicros() != null) {
      costMicros = Math.addExact(costMicros == null ? 0L : costMicros, r.getCostMicros());
    }
    Double u = r.getPeakRateLimitUtilization();
    if (u != null && !u.isNaN()) {
      peakRateLimitUtilization =
          peakRateLimitUtilization == null ? u : Math.max(peakRateLimitUtilization, u);
    }
    if (r.getLatencySketch() != null) {
      if (latency == null) {
        latency = LatencySketches.empty();
      }
      LatencySketches.mergeInto(latency, r.getLatencySketch());
    }
    long window = r.getWindowStart().toEpochMilli();
    if (r.getApiKeyHint() != null && window >= hintWindow) {
      apiKeyHint = r.getApiKeyHint().toString();
      hintWindow = window;
    }
  }

  long tokens() {
    return inputTokens + outputTokens;
  }

  Double latencyAt(double quantile) {
    return latency == null || latency.isEmpty() ? null : latency.getValueAtQuantile(quantile);
  }
}
