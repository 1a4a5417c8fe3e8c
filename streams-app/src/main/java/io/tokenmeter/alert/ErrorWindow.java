package io.tokenmeter.alert;

import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.UsageRollup;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * Requests and errors of one closed one-minute window for one error-rate scope.
 *
 * @param start window start, inclusive
 * @param end window end, exclusive
 * @param requests all requests in the window, failed ones included
 * @param errors errors per class; absent classes had none
 */
public record ErrorWindow(Instant start, Instant end, long requests, Map<ErrorClass, Long> errors) {

  public ErrorWindow {
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(end, "end");
    EnumMap<ErrorClass, Long> copy = new EnumMap<>(ErrorClass.class);
    copy.putAll(errors);
    errors = Map.copyOf(copy);
  }

  /** A window with no requests. */
  public static ErrorWindow empty(Instant start, Instant end) {
    return new ErrorWindow(start, end, 0, Map.of());
  }

  /** The counts of one rollup; merge rollups of one scope and window with {@link #plus}. */
  public static ErrorWindow of(UsageRollup rollup) {
    Map<ErrorClass, Long> errors = new EnumMap<>(ErrorClass.class);
    rollup.getErrorsByClass().forEach((type, n) -> errors.merge(ErrorClass.of(type), n, Long::sum));
    return new ErrorWindow(
        rollup.getWindowStart(), rollup.getWindowEnd(), rollup.getRequests(), errors);
  }

  /** This window with one more call counted. */
  public ErrorWindow plus(LlmCallEvent event) {
    Map<ErrorClass, Long> sum = new EnumMap<>(ErrorClass.class);
    sum.putAll(errors);
    ErrorClass c = ErrorClass.of(event.getErrorType());
    if (c != null) {
      sum.merge(c, 1L, Long::sum);
    }
    return new ErrorWindow(start, end, requests + 1, sum);
  }

  /** The sum of two windows with the same bounds. */
  public ErrorWindow plus(ErrorWindow other) {
    if (!start.equals(other.start) || !end.equals(other.end)) {
      throw new IllegalArgumentException("windows differ: " + start + " vs " + other.start);
    }
    Map<ErrorClass, Long> sum = new EnumMap<>(ErrorClass.class);
    sum.putAll(errors);
    other.errors.forEach((c, n) -> sum.merge(c, n, Long::sum));
    return new ErrorWindow(start, end, requests + other.requests, sum);
  }

  long errors(ErrorClass c) {
    return errors.getOrDefault(c, 0L);
  }

  double rate(ErrorClass c) {
    return requests == 0 ? 0 : (double) errors(c) / requests;
  }
}
