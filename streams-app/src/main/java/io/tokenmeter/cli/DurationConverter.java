package io.tokenmeter.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads durations the way people type them: {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h},
 * or ISO-8601 such as {@code PT10S}.
 */
final class DurationConverter implements ITypeConverter<Duration> {

  private static final Pattern SHORT = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

  @Override
  public Duration convert(String value) {
    String text = value.trim();
    Matcher m = SHORT.matcher(text);
    if (m.matches()) {
      long amount = Long.parseLong(m.group(1));
      switch (m.group(2)) {
        case "ms":
          return Duration.ofMillis(amount);
        case "s":
          return Duration.ofSeconds(amount);
        case "m":
          return Duration.ofMinutes(amount);
        default:
          return Duration.ofHours(amount);
      }
    }
    try {
      return Duration.parse(text);
    } catch (DateTimeParseException e) {
      throw new TypeConversionException(
          "'" + value + "' is not a duration; write it as 500ms, 10s, 2m or 1h");
    }
  }
}
