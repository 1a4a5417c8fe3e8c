package io.tokenmeter.cost;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.OptionalLong;

/**
 * One row of the price table: what a model cost per 1M tokens from {@code effectiveFrom} on, and
 * where that figure came from.
 *
 * <p>A null price means the source gives none for that token class. It is not zero: a call with
 * tokens of that class cannot be priced.
 *
 * @param provider gen_ai.provider.name, lower case ({@code openai}, {@code anthropic})
 * @param model the model id, lower case
 * @param effectiveFrom first UTC day the prices apply
 * @param input USD per 1M uncached input tokens, or null
 * @param cacheReadInput USD per 1M input tokens read from the prompt cache, or null
 * @param cacheCreationInput USD per 1M input tokens written to the prompt cache, or null
 * @param output USD per 1M output tokens (reasoning included), or null
 * @param source where the prices were read
 * @param takenOn the day they were read there
 */
public record ModelPrice(
    String provider,
    String model,
    LocalDate effectiveFrom,
    BigDecimal input,
    BigDecimal cacheReadInput,
    BigDecimal cacheCreationInput,
    BigDecimal output,
    String source,
    LocalDate takenOn) {

  /**
   * The cost of {@code usage} in USD micro-dollars, rounded half-up once per call; empty when the
   * call has tokens of a class this row has no price for.
   */
  OptionalLong costMicros(TokenUsage usage) {
    // USD per 1M tokens times tokens is exactly micro-dollars: the 10^6 factors cancel.
    BigDecimal micros = BigDecimal.ZERO;
    BigDecimal[] prices = {input, cacheReadInput, cacheCreationInput, output};
    long[] tokens = {
      usage.uncachedInput(), usage.cacheReadInput(), usage.cacheCreationInput(), usage.output()
    };
    for (int i = 0; i < prices.length; i++) {
      if (tokens[i] == 0) {
        continue;
      }
      if (prices[i] == null) {
        return OptionalLong.empty();
      }
      micros = micros.add(prices[i].multiply(BigDecimal.valueOf(tokens[i])));
    }
    BigDecimal rounded = micros.setScale(0, RoundingMode.HALF_UP);
    // Only absurd token counts overflow a long; no price is better than a wrapped one.
    if (rounded.toBigInteger().bitLength() > 63) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(rounded.longValueExact());
  }
}
