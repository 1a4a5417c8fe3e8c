package io.tokenmeter.cost;

/** A price table that cannot be used; the message names the file, line and column to fix. */
public final class PriceTableException extends IllegalArgumentException {

  PriceTableException(String message) {
    super(message);
  }

  PriceTableException(String message, Throwable cause) {
    super(message, cause);
  }
}
