package io.tokenmeter.cost;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The long arithmetic gives exactly what the row's BigDecimal arithmetic gives: the same micro-
 * dollars, rounded half-up once, and the same "no price" for tokens of a class without one. Random
 * prices of up to twelve decimals, counts up to far beyond any real call, and the edges.
 */
class LongPriceTest {

  private static final int CASES = 20_000;
  private final Random random = new Random(20261207);

  @Test
  void longArithmeticEqualsTheRowsBigDecimalArithmetic() {
    for (int i = 0; i < CASES; i++) {
      ModelPrice row = row(price(), price(), price(), price());
      long[] t = {tokens(), tokens(), tokens(), tokens()};
      assertThat(new LongPrice(row).costMicros(t[0], t[1], t[2], t[3]))
          .as("%s with %d, %d, %d, %d tokens", row, t[0], t[1], t[2], t[3])
          .isEqualTo(row.costMicros(new TokenUsage(t[0], t[1], t[2], t[3])));
    }
  }

  @Test
  void halvesRoundUpAndOverflowIsNoPrice() {
    ModelPrice half = row(new BigDecimal("0.5"), null, null, new BigDecimal("1.25"));
    assertThat(new LongPrice(half).costMicros(1, 0, 0, 0)).hasValue(1);
    assertThat(new LongPrice(half).costMicros(0, 0, 0, 2)).hasValue(3);
    assertThat(new LongPrice(half).costMicros(0, 1, 0, 0)).isEmpty();
    assertThat(new LongPrice(half).costMicros(0, 0, 0, 0)).hasValue(0);
    ModelPrice dear = row(new BigDecimal("1000000"), null, null, null);
    assertThat(new LongPrice(dear).costMicros(Long.MAX_VALUE / 2, 0, 0, 0))
        .isEqualTo(dear.costMicros(new TokenUsage(Long.MAX_VALUE / 2, 0, 0, 0)))
        .isEmpty();
  }

  private BigDecimal price() {
    return switch (random.nextInt(6)) {
      case 0 -> null;
      case 1 -> BigDecimal.ZERO;
      case 2 ->
        BigDecimal.valueOf(random.nextInt(100_000), random.nextInt(13)); // up to 12 decimals
      default -> BigDecimal.valueOf(random.nextInt(10_000), 2);
    };
  }

  private long tokens() {
    return switch (random.nextInt(5)) {
      case 0 -> 0;
      case 1 -> random.nextLong(1L << 50);
      default -> random.nextLong(2_000_000);
    };
  }

  private static ModelPrice row(
      BigDecimal input, BigDecimal cacheRead, BigDecimal cacheWrite, BigDecimal output) {
    return new ModelPrice(
        "openai",
        "m",
        LocalDate.of(2026, 1, 1),
        input,
        cacheRead,
        cacheWrite,
        output,
        "test",
        LocalDate.of(2026, 1, 1));
  }
}
