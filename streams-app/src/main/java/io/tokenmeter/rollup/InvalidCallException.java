package io.tokenmeter.rollup;

/** A decoded event that breaks a rule the rollup relies on; it goes to the dead-letter topic. */
final class InvalidCallException extends RuntimeException {

  InvalidCallException(String message) {
    super(message, null, false, false);
  }
}
