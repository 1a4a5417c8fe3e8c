package io.tokenmeter.cost;

import static io.tokenmeter.cost.Calls.call;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Rules that must hold for any token counts a provider could report, checked on many random counts.
 * A seeded {@link Random} keeps a failure reproducible without a property-testing framework.
 */
class CostPropertiesTest {

  private static final int CASES = 2_000;
  private static final long MAX_TOKENS = 10_000_000;

  private final Random random = new Random(20261127);
  private final TablePricing pricing = new TablePricing(
      Tables.of("anthropic|claude-sonnet-4-5|2026-01-01|3.00|0.30|3.75|15.00|test|2026-01-01"));

  @Test
  void reasoningCountNeverChangesTheCost() {
    for (int i = 0; i < CASES; i++) {
      long input = tokens();
      long output = tokens();
      long reasoning = random.nextLong(output + 1);

      assertThat(cost(input, 0, 0, output, reasoning))
          .as("input %d, output %d, reasoning %d", input, output, reasoning)
          .isEqualTo(cost(input, 0, 0, output, null));
    }
  }

  @Test
  void costIsTheExactSumOfTheClassesRoundedOnce() {
    for (int i = 0; i < CASES; i++) {
      long uncached = tokens();
      long cacheRead = tokens();
      long cacheCreation = tokens();
      long output = tokens();
      BigDecimal exact = new BigDecimal("3.00")
          .multiply(BigDecimal.valueOf(uncached))
          .add(new BigDecimal("0.30").multiply(BigDecimal.valueOf(cacheRead)))
          .add(new BigDecimal("3.75").multiply(BigDecimal.valueOf(cacheCreation)))
          .add(new BigDecimal("15.00").multiply(BigDecimal.valueOf(output)));

      long cost = cost(uncached + cacheRead + cacheCreation, cacheRead, cacheCreation, output, null)
          .orElseThrow();

      assertThat(BigDecimal.valueOf(cost).subtract(exact).abs())
          .as("uncached %d, read %d, write %d, out %d", uncached, cacheRead, cacheCreation, output)
          .isLessThanOrEqualTo(new BigDecimal("0.5"));
    }
  }

  private long tokens() {
    return random.nextLong(MAX_TOKENS + 1);
  }

  private OptionalLong cost(
      long input, long cacheRead, long cacheCreation, long output, Long reasoning) {
    return pricing.costMicros(call("anthropic", "claude-sonnet-4-5-20250929")
        .setInputTokens(input)
        .setCacheReadInputTokens(cacheRead)
        .setCacheCreationInputTokens(cacheCreation)
        .setOutputTokens(output)
        .setReasoningOutputTokens(reasoning)
        .build());
  }
}
