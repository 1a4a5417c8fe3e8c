package io.tokenmeter.cost;

import io.tokenmeter.schemas.LlmCallEvent;
import java.util.OptionalLong;

/**
 * What one call cost, from a versioned price table. The rollup asks this once per event.
 *
 * <p>Money is integer USD micro-dollars. A model without a price gives an empty result, never 0:
 * the rollup then counts the request as unpriced and an alert names the model.
 */
public interface Pricing {

  /** The price table's version, stamped on every rollup (for example {@code 2026-11-27}). */
  String version();

  /**
   * The cost of {@code event} in USD micro-dollars at its event time, for the model it names
   * (response model when known, else request model; dated snapshots priced as their family).
   * Null token counts count as 0 tokens. Empty when the model has no price at that time.
   */
  OptionalLong costMicros(LlmCallEvent event);
}
