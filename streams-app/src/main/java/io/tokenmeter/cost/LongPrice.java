package io.tokenmeter.cost;

import java.math.BigDecimal;
import java.util.OptionalLong;

/**
 * A {@link ModelPrice} in long arithmetic: its four prices as integers of one scale, so that a
 * call's cost is four multiplications and one rounding, with exactly the result of {@link
 * ModelPrice#costMicros}. Where longs cannot hold a price or a product, the row's own BigDecimal
 * arithmetic answers instead.
 */
final class LongPrice {

  /** Scales above this (more than nine decimals of a dollar per 1M tokens) are left to BigDecimal. */
  private static final int MAX_SCALE = 9;

  private static final long NO_PRICE = -1;

  private final ModelPrice row;
  /** USD per 1M tokens × 10^scale, or {@link #NO_PRICE}; null when the row needs BigDecimal. */
  private final long[] scaled;

  private final long unit;

  LongPrice(ModelPrice row) {
    this.row = row;
    BigDecimal[] prices = {row.input(), row.cacheReadInput(), row.cacheCreationInput(), row.output()
    };
    int scale = 0;
    for (BigDecimal p : prices) {
      if (p != null) {
        scale = Math.max(scale, p.stripTrailingZeros().scale());
      }
    }
    long[] s = null;
    if (scale <= MAX_SCALE) {
      s = new long[prices.length];
      for (int i = 0; i < prices.length && s != null; i++) {
        if (prices[i] == null) {
          s[i] = NO_PRICE;
        } else if (prices[i].signum() < 0
            || prices[i].movePointRight(scale).compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
          s = null;
        } else {
          s[i] = prices[i].movePointRight(scale).longValueExact();
        }
      }
    }
    this.scaled = s;
    this.unit = s == null ? 1 : BigDecimal.ONE.movePointRight(scale).longValueExact();
  }

  ModelPrice row() {
    return row;
  }

  /** As {@link ModelPrice#costMicros}, for token counts already split and not negative. */
  OptionalLong costMicros(
      long uncachedInput, long cacheReadInput, long cacheCreationInput, long output) {
    if (scaled == null) {
      return row.costMicros(
          new TokenUsage(uncachedInput, cacheReadInput, cacheCreationInput, output));
    }
    try {
      long sum = 0;
      sum = add(sum, uncachedInput, scaled[0]);
      sum = add(sum, cacheReadInput, scaled[1]);
      sum = add(sum, cacheCreationInput, scaled[2]);
      sum = add(sum, output, scaled[3]);
      if (sum < 0) {
        return OptionalLong.empty(); // a class with tokens and no price
      }
      long micros = sum / unit;
      // Half-up, as ModelPrice rounds: all terms are non-negative.
      return OptionalLong.of(sum % unit * 2 >= unit ? micros + 1 : micros);
    } catch (ArithmeticException overflow) {
      return row.costMicros(
          new TokenUsage(uncachedInput, cacheReadInput, cacheCreationInput, output));
    }
  }

  /** {@code sum} plus tokens × price; a negative result marks tokens of a class without a price. */
  private static long add(long sum, long tokens, long price) {
    if (tokens == 0 || sum < 0) {
      return sum;
    }
    if (price == NO_PRICE) {
      return -1;
    }
    return Math.addExact(sum, Math.multiplyExact(tokens, price));
  }
}
