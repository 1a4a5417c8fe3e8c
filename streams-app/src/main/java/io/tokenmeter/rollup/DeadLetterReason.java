package io.tokenmeter.rollup;

/** Why a record went to the dead-letter topic: the value of the {@code tokenmeter.dlq.reason} header. */
public enum DeadLetterReason {
  /** The bytes are not an {@code LlmCallEvent} this build can read (or the value is null). */
  MALFORMED("malformed"),
  /** It decodes, but breaks a rule the rollup relies on (a negative token count, an empty event id). */
  INVALID("invalid"),
  /** Its one-minute window had already closed (event time past window end + grace). */
  LATE("late"),
  /** Processing it failed unexpectedly; the app logged the error and carried on. */
  ERROR("error");

  private final String header;

  DeadLetterReason(String header) {
    this.header = header;
  }

  /** The header value. */
  public String header() {
    return header;
  }
}
