package io.tokenmeter.bench.pipeline;

import io.tokenmeter.schemas.LlmCallEvent;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What every contender must arrive at: request count and token sums over the input. Null usage
 * counts as zero tokens (and as a request without usage), as in the app's rollups.
 */
record Totals(
    long requests,
    long errors,
    long inputTokens,
    long outputTokens,
    long cacheReadInputTokens,
    long cacheCreationInputTokens,
    long reasoningOutputTokens,
    long requestsWithoutUsage) {

  static final Totals ZERO = new Totals(0, 0, 0, 0, 0, 0, 0, 0);

  /** Field names as in UsageRollup and the Flink job's output. */
  Map<String, Long> toMap() {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("requests", requests);
    m.put("errors", errors);
    m.put("input_tokens", inputTokens);
    m.put("output_tokens", outputTokens);
    m.put("cache_read_input_tokens", cacheReadInputTokens);
    m.put("cache_creation_input_tokens", cacheCreationInputTokens);
    m.put("reasoning_output_tokens", reasoningOutputTokens);
    m.put("requests_without_usage", requestsWithoutUsage);
    return m;
  }

  static Totals fromMap(Map<String, ? extends Number> m) {
    return new Totals(
        get(m, "requests"),
        get(m, "errors"),
        get(m, "input_tokens"),
        get(m, "output_tokens"),
        get(m, "cache_read_input_tokens"),
        get(m, "cache_creation_input_tokens"),
        get(m, "reasoning_output_tokens"),
        get(m, "requests_without_usage"));
  }

  private static long get(Map<String, ? extends Number> m, String key) {
    Number n = m.get(key);
    return n == null ? 0 : n.longValue();
  }

  /** Mutable running sums; not thread-safe. */
  static final class Sum {
    long requests;
    long errors;
    long inputTokens;
    long outputTokens;
    long cacheRead;
    long cacheCreation;
    long reasoning;
    long withoutUsage;

    void add(LlmCallEvent e) {
      requests++;
      if (e.getErrorType() != null) {
        errors++;
      }
      if (e.getInputTokens() == null && e.getOutputTokens() == null) {
        withoutUsage++;
      }
      inputTokens += orZero(e.getInputTokens());
      outputTokens += orZero(e.getOutputTokens());
      cacheRead += orZero(e.getCacheReadInputTokens());
      cacheCreation += orZero(e.getCacheCreationInputTokens());
      reasoning += orZero(e.getReasoningOutputTokens());
    }

    void add(Totals t) {
      requests += t.requests;
      errors += t.errors;
      inputTokens += t.inputTokens;
      outputTokens += t.outputTokens;
      cacheRead += t.cacheReadInputTokens;
      cacheCreation += t.cacheCreationInputTokens;
      reasoning += t.reasoningOutputTokens;
      withoutUsage += t.requestsWithoutUsage;
    }

    Totals totals() {
      return new Totals(
          requests,
          errors,
          inputTokens,
          outputTokens,
          cacheRead,
          cacheCreation,
          reasoning,
          withoutUsage);
    }

    private static long orZero(Long v) {
      return v == null ? 0 : v;
    }
  }
}
