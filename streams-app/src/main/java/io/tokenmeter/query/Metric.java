package io.tokenmeter.query;

import java.util.Arrays;
import java.util.stream.Collectors;

/** A value of {@code /api/v1/series}, computed per group and minute from a {@link Totals}. */
enum Metric {
  REQUESTS("requests"),
  ERRORS("errors"),
  ERROR_RATE("error_rate"),
  INPUT_TOKENS("input_tokens"),
  OUTPUT_TOKENS("output_tokens"),
  TOKENS("tokens"),
  COST_MICROS("cost_micros"),
  LATENCY_P50_MS("latency_p50_ms"),
  LATENCY_P95_MS("latency_p95_ms"),
  LATENCY_P99_MS("latency_p99_ms"),
  RATE_LIMIT_UTILIZATION("rate_limit_utilization");

  final String parameter;

  Metric(String parameter) {
    this.parameter = parameter;
  }

  /** The value, a Long, a Double or null (no priced request, no latency, no rate-limit headers). */
  Number of(Totals t) {
    return switch (this) {
      case REQUESTS -> t.requests;
      case ERRORS -> t.errors;
      case ERROR_RATE -> t.requests == 0 ? null : (double) t.errors / t.requests;
      case INPUT_TOKENS -> t.inputTokens;
      case OUTPUT_TOKENS -> t.outputTokens;
      case TOKENS -> t.tokens();
      case COST_MICROS -> t.costMicros;
      case LATENCY_P50_MS -> t.latencyAt(0.50);
      case LATENCY_P95_MS -> t.latencyAt(0.95);
      case LATENCY_P99_MS -> t.latencyAt(0.99);
      case RATE_LIMIT_UTILIZATION -> t.peakRateLimitUtilization;
    };
  }

  static Metric named(String parameter) {
    for (Metric m : values()) {
      if (m.parameter.equals(parameter)) {
        return m;
      }
    }
    throw new BadParameterException(
        "metric",
        "unknown metric '" + parameter + "'; one of "
            + Arrays.stream(values()).map(m -> m.parameter).collect(Collectors.joining(", ")));
  }
}
