package io.tokenmeter.rollup;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The headers a dead letter carries on top of the original record's own headers. The key and value
 * stay the original bytes, so a fixed consumer can re-publish them as they were.
 */
public final class DeadLetterHeaders {

  public static final String REASON = "tokenmeter.dlq.reason";
  public static final String ERROR = "tokenmeter.dlq.error";
  public static final String TOPIC = "tokenmeter.dlq.topic";
  public static final String PARTITION = "tokenmeter.dlq.partition";
  public static final String OFFSET = "tokenmeter.dlq.offset";
  public static final String AT = "tokenmeter.dlq.at";

  /** Long enough for a class name and a useful message, short enough to keep headers small. */
  static final int MAX_ERROR_CHARS = 1000;

  private DeadLetterHeaders() {}

  /** A copy of {@code original} plus the dead-letter headers; {@code original} is left untouched. */
  public static Headers of(
      Headers original, DeadLetterReason reason, String error, Origin origin, long nowMillis) {
    Headers h = new RecordHeaders(original == null ? null : original.toArray());
    add(h, REASON, reason.header());
    add(h, ERROR, truncate(error));
    if (origin != null) {
      add(h, TOPIC, origin.topic());
      add(h, PARTITION, Integer.toString(origin.partition()));
      add(h, OFFSET, Long.toString(origin.offset()));
    }
    add(h, AT, Instant.ofEpochMilli(nowMillis).toString());
    return h;
  }

  /** {@code class: message} of an exception, the form of the {@code tokenmeter.dlq.error} header. */
  public static String describe(Throwable e) {
    return e.getClass().getName() + ": " + e.getMessage();
  }

  static String truncate(String s) {
    if (s == null) {
      return "";
    }
    return s.length() <= MAX_ERROR_CHARS ? s : s.substring(0, MAX_ERROR_CHARS - 3) + "...";
  }

  private static void add(Headers h, String key, String value) {
    h.remove(key);
    h.add(key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
  }

  /** Where the original record was read: topic, partition and offset of the input. */
  public record Origin(String topic, int partition, long offset) {}
}
