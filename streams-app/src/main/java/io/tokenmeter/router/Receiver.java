package io.tokenmeter.router;

import io.tokenmeter.schemas.Alert;

/** Somewhere an alert state change can be delivered. */
interface Receiver {

  /** The name routes use: {@code pagerduty} or {@code webhook}. */
  String name();

  /** One attempt; never throws for a failure of the receiver, which is a {@link Delivery} too. */
  Delivery deliver(Alert alert);
}
