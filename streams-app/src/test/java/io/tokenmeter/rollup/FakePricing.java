package io.tokenmeter.rollup;

import io.tokenmeter.cost.Pricing;
import io.tokenmeter.schemas.LlmCallEvent;
import java.util.OptionalLong;

/**
 * A price table small enough to check by hand: {@code gpt-4o} costs 1 micro-dollar per input
 * token and 4 per output token; every other model is unpriced.
 */
public class FakePricing implements Pricing {

  static final String VERSION = "test-2026-11-27";

  @Override
  public String version() {
    return VERSION;
  }

  @Override
  public OptionalLong costMicros(LlmCallEvent e) {
    String model = e.getResponseModel() != null ? e.getResponseModel() : e.getRequestModel();
    if (!model.startsWith("gpt-4o")) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(orZero(e.getInputTokens()) + 4 * orZero(e.getOutputTokens()));
  }

  static long orZero(Long v) {
    return v == null ? 0 : v;
  }
}
