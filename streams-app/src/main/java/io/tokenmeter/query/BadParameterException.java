package io.tokenmeter.query;

/** A query parameter the API refuses: a 400 naming {@link #parameter()}. */
final class BadParameterException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String parameter;

  BadParameterException(String parameter, String message) {
    super(message);
    this.parameter = parameter;
  }

  String parameter() {
    return parameter;
  }
}
