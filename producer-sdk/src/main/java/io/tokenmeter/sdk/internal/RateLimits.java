package io.tokenmeter.sdk.internal;

import java.util.function.Function;

/**
 * The provider's {@code x-ratelimit-*} response headers, parsed into numbers. {@link #UNKNOWN}
 * stands for a header that is absent, malformed, or Azure's {@code -1}: none of these may look like
 * a real limit of 0, so none of them becomes one.
 *
 * <p>Parsing never throws: a provider that sends garbage gets an unknown value, not a failed call.
 */
public final class RateLimits {

  /** An absent or unusable value. Real values are never negative. */
  public static final long UNKNOWN = -1;

  private static final String PREFIX = "x-ratelimit-";
  // A header value longer than this is not a number or a duration any provider sends.
  private static final int MAX_VALUE_LENGTH = 64;

  public final long limitRequests;
  public final long limitTokens;
  public final long remainingRequests;
  public final long remainingTokens;
  public final long resetRequestsMs;
  public final long resetTokensMs;

  RateLimits(
      long limitRequests,
      long limitTokens,
      long remainingRequests,
      long remainingTokens,
      long resetRequestsMs,
      long resetTokensMs) {
    this.limitRequests = limitRequests;
    this.limitTokens = limitTokens;
    this.remainingRequests = remainingRequests;
    this.remainingTokens = remainingTokens;
    this.resetRequestsMs = resetRequestsMs;
    this.resetTokensMs = resetTokensMs;
  }

  /**
   * Reads the six headers through {@code header}, which returns a header's first value by its
   * lower-case name, or null.
   *
   * @return the parsed values, or null when none of the six is known (so the event carries no
   *     rate-limit snapshot at all rather than one full of nulls)
   */
  public static RateLimits fromHeaders(Function<String, String> header) {
    RateLimits r = new RateLimits(
        parseCount(header.apply(PREFIX + "limit-requests")),
        parseCount(header.apply(PREFIX + "limit-tokens")),
        parseCount(header.apply(PREFIX + "remaining-requests")),
        parseCount(header.apply(PREFIX + "remaining-tokens")),
        parseResetMillis(header.apply(PREFIX + "reset-requests")),
        parseResetMillis(header.apply(PREFIX + "reset-tokens")));
    return r.isEmpty() ? null : r;
  }

  boolean isEmpty() {
    return limitRequests == UNKNOWN
        && limitTokens == UNKNOWN
        && remainingRequests == UNKNOWN
        && remainingTokens == UNKNOWN
        && resetRequestsMs == UNKNOWN
        && resetTokensMs == UNKNOWN;
  }

  /** A limit or remaining count: a non-negative decimal integer, else {@link #UNKNOWN}. */
  public static long parseCount(String raw) {
    if (raw == null) {
      return UNKNOWN;
    }
    String s = raw.trim();
    if (s.isEmpty() || s.length() > MAX_VALUE_LENGTH) {
      return UNKNOWN;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return UNKNOWN; // covers Azure's -1, signs, decimals and exponents
      }
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException tooLarge) {
      return UNKNOWN;
    }
  }

  /**
   * A reset time as a Go duration ({@code 6m0s}, {@code 1s}, {@code 12ms}, {@code 1h2m3.5s},
   * {@code 0.5s}) in milliseconds, rounded up so that a limit is never reported to reset earlier
   * than the provider said. A bare {@code 0} is zero; a bare number with no unit is unknown, since
   * its unit would be a guess. Negative values (Azure's {@code -1}) and overflow are unknown.
   */
  public static long parseResetMillis(String raw) {
    if (raw == null) {
      return UNKNOWN;
    }
    String s = raw.trim();
    if (s.isEmpty() || s.length() > MAX_VALUE_LENGTH) {
      return UNKNOWN;
    }
    if (s.equals("0")) {
      return 0;
    }
    try {
      long totalNanos = 0;
      int i = 0;
      int n = s.length();
      while (i < n) {
        int start = i;
        long whole = 0;
        while (i < n && isDigit(s.charAt(i))) {
          whole = Math.addExact(Math.multiplyExact(whole, 10), s.charAt(i) - '0');
          i++;
        }
        boolean hasWhole = i > start;
        long fraction = 0;
        long scale = 1;
        boolean hasFraction = false;
        if (i < n && s.charAt(i) == '.') {
          i++;
          int fractionStart = i;
          while (i < n && isDigit(s.charAt(i))) {
            // Digits past the 15th are below a nanosecond of any unit: ignore them.
            if (scale < 1_000_000_000_000_000L) {
              fraction = fraction * 10 + (s.charAt(i) - '0');
              scale *= 10;
            }
            i++;
          }
          hasFraction = i > fractionStart;
        }
        if (!hasWhole && !hasFraction) {
          return UNKNOWN;
        }
        int unitStart = i;
        while (i < n && !isDigit(s.charAt(i)) && s.charAt(i) != '.') {
          i++;
        }
        long unitNanos = unitNanos(s.substring(unitStart, i));
        if (unitNanos < 0) {
          return UNKNOWN;
        }
        long nanos = Math.addExact(
            Math.multiplyExact(whole, unitNanos),
            Math.round((double) fraction / scale * unitNanos));
        totalNanos = Math.addExact(totalNanos, nanos);
      }
      return Math.addExact(totalNanos, 999_999L) / 1_000_000L;
    } catch (ArithmeticException overflow) {
      return UNKNOWN;
    }
  }

  private static long unitNanos(String unit) {
    switch (unit) {
      case "ns":
        return 1L;
      case "us":
      case "\u00b5s": // micro sign, as Go prints it
      case "\u03bcs": // Greek small mu, which Go also accepts
        return 1_000L;
      case "ms":
        return 1_000_000L;
      case "s":
        return 1_000_000_000L;
      case "m":
        return 60_000_000_000L;
      case "h":
        return 3_600_000_000_000L;
      default:
        return -1;
    }
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
