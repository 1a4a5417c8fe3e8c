package io.tokenmeter.bench.pipeline;

import java.util.ArrayList;
import java.util.List;

/**
 * The correctness gate: a contender's throughput counts only if it counted every request and every
 * token exactly. Errors and requests without usage are not compared: the contenders define them
 * slightly differently, and the gate is requests and the five token sums.
 */
final class Gate {

  private Gate() {}

  record Verdict(boolean passed, String reason) {
    static Verdict pass() {
      return new Verdict(true, "");
    }

    static Verdict fail(String reason) {
      return new Verdict(false, reason);
    }
  }

  static Verdict check(Totals expected, Totals actual) {
    List<String> diffs = new ArrayList<>();
    compare(diffs, "requests", expected.requests(), actual.requests());
    compare(diffs, "input_tokens", expected.inputTokens(), actual.inputTokens());
    compare(diffs, "output_tokens", expected.outputTokens(), actual.outputTokens());
    compare(
        diffs,
        "cache_read_input_tokens",
        expected.cacheReadInputTokens(),
        actual.cacheReadInputTokens());
    compare(
        diffs,
        "cache_creation_input_tokens",
        expected.cacheCreationInputTokens(),
        actual.cacheCreationInputTokens());
    compare(
        diffs,
        "reasoning_output_tokens",
        expected.reasoningOutputTokens(),
        actual.reasoningOutputTokens());
    return diffs.isEmpty() ? Verdict.pass() : Verdict.fail(String.join("; ", diffs));
  }

  /** consumer-perf reports only a count: it decodes nothing, so tokens cannot be checked. */
  static Verdict checkCount(long expected, long actual) {
    return expected == actual
        ? Verdict.pass()
        : Verdict.fail("consumed " + actual + " messages, expected " + expected);
  }

  private static void compare(List<String> diffs, String name, long expected, long actual) {
    if (expected != actual) {
      diffs.add(name + " " + actual + " != expected " + expected);
    }
  }
}
