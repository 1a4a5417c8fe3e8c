package io.tokenmeter.router;

import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads an HTTP {@code Retry-After} header (RFC 9110 section 10.2.3): either a number of seconds
 * or an HTTP-date. A date in the past means "now"; anything else is ignored, so that a garbled
 * header falls back to the router's own backoff rather than stopping delivery.
 */
final class RetryAfter {

  private static final Pattern SECONDS = Pattern.compile("\\d{1,10}");

  private RetryAfter() {}

  static Optional<Duration> parse(String header, Clock clock) {
    if (header == null) {
      return Optional.empty();
    }
    String value = header.trim();
    if (SECONDS.matcher(value).matches()) {
      return Optional.of(Duration.ofSeconds(Long.parseLong(value)));
    }
    try {
      // IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT", the form servers must send.
      ZonedDateTime at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME);
      Duration wait = Duration.between(clock.instant(), at.toInstant());
      return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
