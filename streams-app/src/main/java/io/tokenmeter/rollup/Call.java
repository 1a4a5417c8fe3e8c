package io.tokenmeter.rollup;

import io.tokenmeter.schemas.CallEventKeys;
import io.tokenmeter.schemas.LlmCallEvent;
import java.nio.charset.StandardCharsets;

/**
 * One input record on its way through the rollup: the decoded event together with the original
 * key and value bytes and where they were read, so that a record rejected at any step reaches the
 * dead-letter topic exactly as it arrived. A call is either counted or a dead letter.
 *
 * @param event null for a dead letter that did not decode
 * @param dimensions what the rollup groups it by; set once the cardinality guard has seen it
 * @param folded whether the cardinality guard folded one of its dimensions into {@code __other__}
 * @param deadLetter why it is rejected; null while it still counts
 */
public record Call(
    LlmCallEvent event,
    byte[] rawKey,
    byte[] rawValue,
    DeadLetterHeaders.Origin origin,
    Dimensions dimensions,
    boolean folded,
    DeadLetter deadLetter) {

  /** Why and how a call was rejected. */
  public record DeadLetter(DeadLetterReason reason, String error) {}

  static Call decoded(
      LlmCallEvent event, byte[] rawKey, byte[] rawValue, DeadLetterHeaders.Origin origin) {
    return new Call(event, rawKey, rawValue, origin, Dimensions.of(event), false, null);
  }

  static Call rejected(
      byte[] rawKey,
      byte[] rawValue,
      DeadLetterHeaders.Origin origin,
      DeadLetterReason reason,
      String error) {
    return new Call(null, rawKey, rawValue, origin, null, false, new DeadLetter(reason, error));
  }

  Call reject(DeadLetterReason reason, String error) {
    return new Call(
        event, rawKey, rawValue, origin, dimensions, folded, new DeadLetter(reason, error));
  }

  Call withDimensions(Dimensions d, boolean wasFolded) {
    return new Call(event, rawKey, rawValue, origin, d, wasFolded, deadLetter);
  }

  public boolean isDeadLetter() {
    return deadLetter != null;
  }

  /**
   * The record key every producer gives this event ({@link CallEventKeys}), under which all events
   * of one org and project meet in one partition.
   */
  public String expectedKey() {
    return CallEventKeys.of(event);
  }

  /** Whether the record arrived under its expected key, so needs no repartition. */
  public boolean isKeyedAsExpected(String key) {
    return key != null && CallEventKeys.matches(key, event);
  }

  /** The original key as text, for the stream's key; null stays null. */
  static String keyText(byte[] rawKey) {
    return rawKey == null ? null : new String(rawKey, StandardCharsets.UTF_8);
  }
}
