package io.tokenmeter.query;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.tokenmeter.schemas.UsageRollup;
import java.time.Instant;
import java.util.Map;

/** Test rollups: one gpt-4o minute of org-1/proj-1, changed with the builder. */
final class Rollups {

  static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

  private Rollups() {}

  static UsageRollup.Builder rollup(int minute) {
    return UsageRollup.newBuilder()
        .setWindowStart(T0.plusSeconds(60L * minute))
        .setWindowEnd(T0.plusSeconds(60L * minute + 60))
        .setModel("gpt-4o")
        .setOrgId("org-1")
        .setProjectId("proj-1")
        .setApiKeyFingerprint("fp-1")
        .setApiKeyHint("sk-...abcd")
        .setService("checkout")
        .setRequests(10)
        .setErrors(1)
        .setErrorsByClass(Map.of("rate_limit", 1L))
        .setInputTokens(1000)
        .setOutputTokens(100)
        .setCacheReadInputTokens(0)
        .setCacheCreationInputTokens(0)
        .setReasoningOutputTokens(0)
        .setRequestsWithoutUsage(0)
        .setCostMicros(500L)
        .setUnpricedRequests(0)
        .setPriceTableVersion("v1")
        .setLatencyP50Ms(null)
        .setLatencyP95Ms(null)
        .setLatencyP99Ms(null)
        .setLatencySketch(null)
        .setPeakRateLimitUtilization(null)
        .setFoldedEvents(0);
  }

  /** A latency sketch of {@code values} in milliseconds, as the rollup writes it. */
  static DDSketch sketch(double... values) {
    DDSketch s = LatencySketches.empty();
    for (double v : values) {
      s.accept(v);
    }
    return s;
  }
}
