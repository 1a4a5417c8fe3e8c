package io.tokenmeter.rollup;

import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.RateLimitSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * The rules an event must keep before it may count. Avro already guarantees the required fields
 * are present; these are the semantic ones a schema cannot say, and the bounds that keep one
 * hostile event from overflowing a sum, bloating the state or closing every open window.
 */
final class CallValidation {

  /**
   * The most tokens one call may report in one field: a million times a million-token context
   * window. A window of one dimension set would need millions of such calls before its sum
   * could overflow, and at any real price one such call still costs well under Long.MAX_VALUE
   * micro-dollars.
   */
  static final long MAX_TOKENS = 1_000_000_000_000L;

  /**
   * The longest text any field may hold. Model names, ids and fingerprints are tens of characters;
   * a dimension value becomes part of a state key and an output key, so a megabyte one would be
   * carried in every store and rollup of its window.
   */
  static final int MAX_TEXT_CHARS = 1024;

  /**
   * How far an event may lie ahead of the app's clock. The newest event time closes every window
   * that ended a grace period before it, so one event stamped in the year 9999 would make all real
   * traffic after it late; a day covers any producer's clock skew.
   */
  static final Duration MAX_AHEAD_OF_CLOCK = Duration.ofDays(1);

  private CallValidation() {}

  /**
   * Why a valid event lies too far ahead of the app's wall clock to count, or empty: its time is
   * more than {@code tolerance} past {@code nowMillis}. Counted, it would move event time to where
   * its producer's clock is and close minutes that every other producer of its partition still
   * writes to; dead-lettered, it costs only itself. Checked after {@link #check}, which makes an
   * event more than {@link #MAX_AHEAD_OF_CLOCK} ahead {@code invalid}.
   */
  static Optional<String> aheadOfClock(LlmCallEvent e, long nowMillis, Duration tolerance) {
    long ahead = e.getTimestamp().toEpochMilli() - nowMillis;
    if (ahead <= tolerance.toMillis()) {
      return Optional.empty();
    }
    return Optional.of(
        "timestamp " + e.getTimestamp() + " is " + Duration.ofMillis(ahead)
            + " ahead of the app's wall clock ("
            + Instant.ofEpochMilli(nowMillis) + "), more than rollup.future.tolerance (" + tolerance
            + ") allows; the producer's clock runs fast, and counting the event would close minutes other events still fall in");
  }

  /**
   * @param nowMillis the app's wall clock, which the event time may not pass by more than {@link
   *     #MAX_AHEAD_OF_CLOCK}
   */
  static void check(LlmCallEvent e, long nowMillis) {
    if (e.getEventId() == null || e.getEventId().isBlank()) {
      throw new InvalidCallException("event_id is empty; it is the deduplication key");
    }
    if (e.getTimestamp() == null) {
      throw new InvalidCallException("timestamp is null");
    }
    long eventTime = e.getTimestamp().toEpochMilli();
    if (eventTime < 0) {
      throw new InvalidCallException("timestamp " + e.getTimestamp()
          + " is before 1970-01-01T00:00:00Z; Kafka record times cannot be negative");
    }
    long latest = nowMillis + MAX_AHEAD_OF_CLOCK.toMillis();
    if (eventTime > latest) {
      throw new InvalidCallException("timestamp " + e.getTimestamp() + " is more than "
          + MAX_AHEAD_OF_CLOCK.toHours() + " h ahead of the app's clock ("
          + Instant.ofEpochMilli(nowMillis) + "); it would close every open window");
    }
    if (e.getRequestModel() == null || e.getRequestModel().isBlank()) {
      throw new InvalidCallException("request_model is empty");
    }
    if (e.getService() == null) {
      throw new InvalidCallException("service is null");
    }
    textWithinBounds(e);
    tokens("input_tokens", e.getInputTokens());
    tokens("output_tokens", e.getOutputTokens());
    tokens("cache_read_input_tokens", e.getCacheReadInputTokens());
    tokens("cache_creation_input_tokens", e.getCacheCreationInputTokens());
    tokens("reasoning_output_tokens", e.getReasoningOutputTokens());
    nonNegative("duration_ms", e.getDurationMs());
    nonNegative("time_to_first_token_ms", e.getTimeToFirstTokenMs());
    RateLimitSnapshot r = e.getRateLimit();
    if (r != null) {
      nonNegative("rate_limit.limit_requests", r.getLimitRequests());
      nonNegative("rate_limit.limit_tokens", r.getLimitTokens());
      nonNegative("rate_limit.remaining_requests", r.getRemainingRequests());
      nonNegative("rate_limit.remaining_tokens", r.getRemainingTokens());
    }
  }

  /**
   * Every text field, nested records included, so that a field added to the schema is covered too.
   * Only the fields that can hold text or a record are looked at, found once per class; the
   * field's dotted name is only built for the message.
   */
  private static void textWithinBounds(IndexedRecord record) {
    String tooLong = firstTooLong(record);
    if (tooLong != null) {
      throw new InvalidCallException(
          tooLong + " characters long; at most " + MAX_TEXT_CHARS + " are accepted");
    }
  }

  /** "{@code name} is {@code n}" for the first text over the bound, or null when none is. */
  private static String firstTooLong(IndexedRecord record) {
    int[] positions = record instanceof SpecificRecord
        ? TEXT_OR_RECORD_FIELDS.get(record.getClass())
        : textOrRecordFields(record.getSchema());
    for (int pos : positions) {
      Object value = record.get(pos);
      if (value instanceof CharSequence text && text.length() > MAX_TEXT_CHARS) {
        return record.getSchema().getFields().get(pos).name() + " is " + text.length();
      }
      if (value instanceof IndexedRecord nested) {
        String inner = firstTooLong(nested);
        if (inner != null) {
          return record.getSchema().getFields().get(pos).name() + "." + inner;
        }
      }
    }
    return null;
  }

  private static final ClassValue<int[]> TEXT_OR_RECORD_FIELDS = new ClassValue<>() {
    @Override
    protected int[] computeValue(Class<?> type) {
      return textOrRecordFields(SpecificData.get().getSchema(type));
    }
  };

  /** Positions of the fields whose values may be text or a record: all but numbers and booleans. */
  private static int[] textOrRecordFields(Schema schema) {
    return schema.getFields().stream()
        .filter(f -> mayHoldTextOrRecord(f.schema()))
        .mapToInt(Schema.Field::pos)
        .toArray();
  }

  private static boolean mayHoldTextOrRecord(Schema s) {
    return switch (s.getType()) {
      case INT, LONG, FLOAT, DOUBLE, BOOLEAN, NULL -> false;
      case UNION -> s.getTypes().stream().anyMatch(CallValidation::mayHoldTextOrRecord);
      default -> true;
    };
  }

  private static void tokens(String field, Long value) {
    nonNegative(field, value);
    if (value != null && value > MAX_TOKENS) {
      throw new InvalidCallException(
          field + " is " + value + ", more than the " + MAX_TOKENS + " one call can report");
    }
  }

  private static void nonNegative(String field, Long value) {
    if (value != null && value < 0) {
      throw new InvalidCallException(field + " is negative (" + value + ")");
    }
  }
}
