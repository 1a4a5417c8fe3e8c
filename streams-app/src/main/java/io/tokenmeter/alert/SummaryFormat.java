package io.tokenmeter.alert;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Number and time formatting for one-line summaries. */
final class SummaryFormat {

  private static final DateTimeFormatter HH_MM =
      DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT).withZone(ZoneOffset.UTC);

  private SummaryFormat() {}

  /** Whole percent, rounded down so a summary never claims a threshold that was not reached. */
  static String percent(double fraction) {
    return Long.toString((long) Math.floor(fraction * 100 + 1e-9)) + "%";
  }

  /** Percent with one decimal, for error rates. */
  static String percent1(double fraction) {
    return String.format(Locale.ROOT, "%.1f%%", fraction * 100);
  }

  static String hhmm(Instant t) {
    return HH_MM.format(t);
  }

  static String number(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : String.format(Locale.ROOT, "%.4f", d);
  }
}
