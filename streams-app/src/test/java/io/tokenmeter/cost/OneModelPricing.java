package io.tokenmeter.cost;

import io.tokenmeter.schemas.LlmCallEvent;
import java.util.OptionalLong;

/**
 * A price list with one model, in whole micro-dollars per token so that expected costs are easy
 * to compute by hand; every other model is unpriced. Matches the response model when there is
 * one, else the requested model, as the real table does.
 */
public final class OneModelPricing implements Pricing {

  private final String version;
  private final String model;
  private final long inputMicros;
  private final long outputMicros;

  public OneModelPricing(
      String version, String model, long inputMicrosPerToken, long outputMicrosPerToken) {
    this.version = version;
    this.model = model;
    this.inputMicros = inputMicrosPerToken;
    this.outputMicros = outputMicrosPerToken;
  }

  @Override
  public String version() {
    return version;
  }

  @Override
  public OptionalLong costMicros(LlmCallEvent e) {
    String priced = e.getResponseModel() != null ? e.getResponseModel() : e.getRequestModel();
    if (!priced.equals(model)) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(
        inputMicros * orZero(e.getInputTokens()) + outputMicros * orZero(e.getOutputTokens()));
  }

  private static long orZero(Long tokens) {
    return tokens == null ? 0 : tokens;
  }
}
