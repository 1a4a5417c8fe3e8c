package io.tokenmeter.cost;

import io.tokenmeter.schemas.LlmCallEvent;
import java.util.Optional;

/**
 * The billable token counts of one call, split so that no token is counted in two classes.
 *
 * @param uncachedInput input tokens neither read from nor written to the prompt cache
 * @param cacheReadInput input tokens read from the prompt cache
 * @param cacheCreationInput input tokens written to the prompt cache
 * @param output output tokens, reasoning tokens included
 */
record TokenUsage(long uncachedInput, long cacheReadInput, long cacheCreationInput, long output) {

  /**
   * Splits the event's counts. {@code input_tokens} holds every prompt token, cache reads and cache
   * writes included (the SDK adds Anthropic's separately reported cache tokens back in), so both
   * cache classes come out of it. Reasoning tokens are already part of {@code output_tokens} and
   * are not added again. Null counts are 0.
   *
   * @return empty when a count is negative, which no provider reports
   */
  static Optional<TokenUsage> of(LlmCallEvent event) {
    long input = orZero(event.getInputTokens());
    long cacheRead = orZero(event.getCacheReadInputTokens());
    long cacheCreation = orZero(event.getCacheCreationInputTokens());
    long output = orZero(event.getOutputTokens());
    if (input < 0 || cacheRead < 0 || cacheCreation < 0 || output < 0) {
      return Optional.empty();
    }
    // Floored at 0 so that inconsistent counts never produce a credit.
    long uncached = Math.max(0, input - cacheRead - cacheCreation);
    return Optional.of(new TokenUsage(uncached, cacheRead, cacheCreation, output));
  }

  private static long orZero(Long count) {
    return count == null ? 0 : count;
  }
}
