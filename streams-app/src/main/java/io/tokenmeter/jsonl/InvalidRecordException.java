package io.tokenmeter.jsonl;

/**
 * A JSON line that does not make a valid record. The message names the field path first ({@code
 * rate_limit.limit_tokens: expected a whole number, got "abc"}), so that a person can fix the line
 * without reading the schema.
 */
public final class InvalidRecordException extends Exception {

  private static final long serialVersionUID = 1L;

  private final String path;
  private final String reason;

  InvalidRecordException(String path, String reason) {
    super(path.isEmpty() ? reason : path + ": " + reason);
    this.path = path;
    this.reason = reason;
  }

  /** Dotted path of the offending field, such as {@code sdk.version}; empty for the whole line. */
  public String path() {
    return path;
  }

  /** What is wrong, without the path. */
  public String reason() {
    return reason;
  }
}
