package io.tokenmeter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;

/** Micro-dollars as dollars for people: the API and the SQL keep exact integers. */
final class Money {

  private Money() {}

  /**
   * {@code 12345} micro-dollars as {@code 0.012345}; "-" when nothing was priced; a trailing
   * {@code +} when some requests had no price, so the sum is a lower bound.
   */
  static String usd(JsonNode micros, long unpricedRequests) {
    if (micros == null || micros.isNull() || micros.isMissingNode()) {
      return "-";
    }
    String dollars = BigDecimal.valueOf(micros.asLong(), 6).toPlainString();
    return unpricedRequests > 0 ? dollars + "+" : dollars;
  }
}
