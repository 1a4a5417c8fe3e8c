package io.tokenmeter.alert;

import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;

/**
 * Requests and errors per class of one error-rate scope in one minute, counted in place on the
 * heap; an {@link ErrorWindow} only when the minute closes or is written at a commit.
 */
final class ErrorCounts {

  private static final ErrorClass[] CLASSES = ErrorClass.values();

  long requests;
  private final long[] errors = new long[CLASSES.length];

  /** One more call; {@code errorClass} null for a success. */
  void count(ErrorClass errorClass) {
    requests++;
    if (errorClass != null) {
      errors[errorClass.ordinal()]++;
    }
  }

  ErrorWindow toWindow(long windowStart) {
    Map<ErrorClass, Long> byClass = new EnumMap<>(ErrorClass.class);
    for (ErrorClass c : CLASSES) {
      if (errors[c.ordinal()] > 0) {
        byClass.put(c, errors[c.ordinal()]);
      }
    }
    return new ErrorWindow(
        Instant.ofEpochMilli(windowStart),
        Instant.ofEpochMilli(windowStart + Minutes.MINUTE_MS),
        requests,
        byClass);
  }

  static ErrorCounts of(ErrorWindow window) {
    ErrorCounts counts = new ErrorCounts();
    counts.requests = window.requests();
    window.errors().forEach((c, n) -> counts.errors[c.ordinal()] = n);
    return counts;
  }
}
