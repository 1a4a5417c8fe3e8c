package io.tokenmeter.rollup;

/** Why a record went to the dead-letter topic: the value of the {@code tokenmeter.dlq.reason} header. */
public enum DeadLetterReason {
  /** The bytes are not an {@code LlmCallEvent} this build can read (or the value is null). */
  MALFORMED("malformed"),
  /**
   * It decodes, but breaks a rule the rollup relies on (a negative token count, an empty event id, an
   * event time more than 24 h ahead of the app's clock).
   */
  INVALID("invalid"),
  /**
   * Its event time is more than {@code rollup.future.tolerance} (and at most 24 h) ahead of the
   * app's wall clock: its producer's clock runs fast, and counting it would close minutes that
   * other producers' events still fall in.
   */
  FUTURE("future"),
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
