package io.tokenmeter.sdk.openai;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** Picks the {@code x-ratelimit-*} response headers out of all of them, for the core SDK to parse. */
final class RateLimitHeaders {

  private static final String PREFIX = "x-ratelimit-";

  private RateLimitHeaders() {}

  /**
   * @param names the response's header names
   * @param firstValue a header's first value by name
   * @return lower-cased names to values; empty when there are none
   */
  static Map<String, String> of(Set<String> names, Function<String, String> firstValue) {
    Map<String, String> out = null;
    for (String name : names) {
      if (name.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
        String value = firstValue.apply(name);
        if (value != null) {
          if (out == null) {
            out = new HashMap<>();
          }
          out.put(name.toLowerCase(Locale.ROOT), value);
        }
      }
    }
    return out == null ? Map.of() : out;
  }
}
