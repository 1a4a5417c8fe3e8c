package io.tokenmeter.cost;

import static io.tokenmeter.cost.Calls.call;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Cost math on hand-computed examples: USD per 1M tokens times tokens is micro-dollars. */
class TablePricingTest {

  private final TablePricing pricing = new TablePricing(Tables.of(
      "openai|gpt-4o|2026-01-01|2.50|1.25||10.00|test|2026-01-01",
      "openai|gpt-4o-mini|2026-01-01|0.15|0.075||0.60|test|2026-01-01",
      "openai|gpt-4-turbo|2026-01-01|10.00|||30.00|test|2026-01-01",
      "openai|o3|2026-01-01|2.00|0.50||8.00|test|2026-01-01",
      "anthropic|claude-sonnet-4-5-20250929|2026-01-01|3.00|0.30|3.75|15.00|test|" + "2026-01-01"));

  @Test
  void uncachedInputAndOutputArePricedAtTheirRates() {
    var event =
        call("openai", "gpt-4o").setInputTokens(1_000L).setOutputTokens(500L).build();

    // 1,000 × 2.50 + 500 × 10.00 = 2,500 + 5,000
    assertThat(pricing.costMicros(event)).hasValue(7_500);
  }

  @Test
  void cacheReadsComeOutOfInputAndArePricedAtTheCacheRate() {
    var event = call("openai", "gpt-4o")
        .setInputTokens(10_000L)
        .setCacheReadInputTokens(4_000L)
        .setOutputTokens(200L)
        .build();

    // (10,000 − 4,000) × 2.50 + 4,000 × 1.25 + 200 × 10.00 = 15,000 + 5,000 + 2,000
    assertThat(pricing.costMicros(event)).hasValue(22_000);
  }

  @Test
  void anthropicCacheWritesComeOutOfInputTooSoNoTokenIsBilledTwice() {
    // What the SDK emits for Anthropic's usage {input_tokens 20, cache_creation_input_tokens 1000,
    // cache_read_input_tokens 3000, output_tokens 150}: input_tokens holds all 4,020 prompt tokens.
    var event = call("anthropic", "claude-sonnet-4-5")
        .setResponseModel("claude-sonnet-4-5-20250929")
        .setInputTokens(4_020L)
        .setCacheReadInputTokens(3_000L)
        .setCacheCreationInputTokens(1_000L)
        .setOutputTokens(150L)
        .build();

    // (4,020 − 3,000 − 1,000) × 3.00 + 3,000 × 0.30 + 1,000 × 3.75 + 150 × 15.00
    //   = 60 + 900 + 3,750 + 2,250
    assertThat(pricing.costMicros(event)).hasValue(6_960);
  }

  @Test
  void reasoningTokensArePricedOnceAsPartOfOutput() {
    var event = call("openai", "o3")
        .setInputTokens(1_000L)
        .setOutputTokens(3_000L)
        .setReasoningOutputTokens(2_500L)
        .build();

    // 1,000 × 2.00 + 3,000 × 8.00 = 2,000 + 24,000; the 2,500 reasoning tokens are inside the 3,000
    assertThat(pricing.costMicros(event)).hasValue(26_000);
  }

  @Test
  void nullUsageCountsAsZeroTokens() {
    var noUsage = call("openai", "gpt-4o").build();
    var inputOnly = call("openai", "gpt-4o").setInputTokens(1_000L).build();

    assertThat(pricing.costMicros(noUsage)).hasValue(0);
    // 1,000 × 2.50; null cache and output counts add nothing
    assertThat(pricing.costMicros(inputOnly)).hasValue(2_500);
  }

  @Test
  void roundsHalfUpToWholeMicroDollars() {
    var halfUp = call("openai", "gpt-4o-mini").setInputTokens(10L).build();
    var below = call("openai", "gpt-4o-mini").setInputTokens(3L).build();

    // 10 × 0.15 = 1.5 → 2
    assertThat(pricing.costMicros(halfUp)).hasValue(2);
    // 3 × 0.15 = 0.45 → 0
    assertThat(pricing.costMicros(below)).hasValue(0);
  }

  @Test
  void roundsOncePerCallNotPerTokenClass() {
    var event = call("openai", "gpt-4o-mini")
        .setInputTokens(4L)
        .setCacheReadInputTokens(1L)
        .build();

    // (4 − 1) × 0.15 + 1 × 0.075 = 0.45 + 0.075 = 0.525 → 1; rounding each class would give 0 + 0
    assertThat(pricing.costMicros(event)).hasValue(1);
  }

  @Test
  void cacheReadsAboveInputNeverGiveACredit() {
    var event = call("openai", "gpt-4o")
        .setInputTokens(100L)
        .setCacheReadInputTokens(150L)
        .build();

    // uncached = max(0, 100 − 150) = 0; 150 × 1.25 = 187.5 → 188
    assertThat(pricing.costMicros(event)).hasValue(188);
  }

  @Test
  void unknownModelIsEmptyNeverZero() {
    var event = call("openai", "gpt-7").setInputTokens(1_000L).build();

    assertThat(pricing.costMicros(event)).isEmpty();
  }

  @Test
  void tokensOfAClassWithoutAPriceMakeTheCallUnpriced() {
    var cached = call("openai", "gpt-4-turbo")
        .setInputTokens(1_000L)
        .setCacheReadInputTokens(10L)
        .build();
    var uncached = call("openai", "gpt-4-turbo")
        .setInputTokens(1_000L)
        .setCacheReadInputTokens(0L)
        .setCacheCreationInputTokens(0L)
        .setOutputTokens(10L)
        .build();

    assertThat(pricing.costMicros(cached)).isEmpty();
    // 1,000 × 10.00 + 10 × 30.00; no cache tokens, so the blank cache prices do not matter
    assertThat(pricing.costMicros(uncached)).hasValue(10_300);
  }

  @Test
  void negativeTokenCountIsUnpriced() {
    var event = call("openai", "gpt-4o").setInputTokens(-1L).build();

    assertThat(pricing.costMicros(event)).isEmpty();
  }

  @Test
  void costTooLargeForALongIsUnpricedRatherThanWrapped() {
    var event = call("openai", "gpt-4o").setOutputTokens(Long.MAX_VALUE).build();

    assertThat(pricing.costMicros(event)).isEmpty();
  }

  @Test
  void responseModelIsPricedWhenPresentElseRequestModel() {
    var answeredByMini = call("openai", "gpt-4o")
        .setResponseModel("gpt-4o-mini-2024-07-18")
        .setInputTokens(1_000L)
        .build();
    var noResponse = call("openai", "gpt-4o").setInputTokens(1_000L).build();

    // 1,000 × 0.15
    assertThat(pricing.costMicros(answeredByMini)).hasValue(150);
    // 1,000 × 2.50
    assertThat(pricing.costMicros(noResponse)).hasValue(2_500);
  }

  @Test
  void callBeforeTheModelsFirstPriceIsUnpriced() {
    var event = call("openai", "gpt-4o", Instant.parse("2025-12-31T23:59:59Z"))
        .setInputTokens(1_000L)
        .build();

    assertThat(pricing.costMicros(event)).isEmpty();
  }

  @Test
  void versionIsTheTables() {
    assertThat(pricing.version()).isEqualTo("test");
  }
}
