package io.tokenmeter.sdk.internal;

import static io.tokenmeter.sdk.internal.RateLimits.UNKNOWN;
import static io.tokenmeter.sdk.internal.RateLimits.parseCount;
import static io.tokenmeter.sdk.internal.RateLimits.parseResetMillis;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Whatever a provider (or a proxy in front of it) puts in the {@code x-ratelimit-*} headers, the
 * SDK reads a non-negative number or {@link RateLimits#UNKNOWN}: it never throws into the caller's
 * request, never reports a negative limit or reset, and never wraps around on overflow.
 */
class RateLimitHeaderFuzzTest {

  private static final Map<String, Long> UNIT_NANOS = Map.of(
      "ns",
      1L,
      "us",
      1_000L,
      "\u00b5s",
      1_000L,
      "ms",
      1_000_000L,
      "s",
      1_000_000_000L,
      "m",
      60_000_000_000L,
      "h",
      3_600_000_000_000L);

  @Property(tries = 3000)
  void anyHeaderTextIsANonNegativeNumberOrUnknown(@ForAll("headerText") String raw) {
    assertThat(parseCount(raw)).isGreaterThanOrEqualTo(UNKNOWN);
    assertThat(parseResetMillis(raw)).isGreaterThanOrEqualTo(UNKNOWN);
  }

  @Property(tries = 3000)
  void goDurationsAreReadExactlyRoundedUpOrUnknownWhenTheyOverflow(
      @ForAll("goDurationParts") List<Tuple.Tuple2<Long, String>> parts) {
    StringBuilder text = new StringBuilder();
    BigInteger nanos = BigInteger.ZERO;
    for (Tuple.Tuple2<Long, String> p : parts) {
      text.append(p.get1()).append(p.get2());
      nanos = nanos.add(
          BigInteger.valueOf(p.get1()).multiply(BigInteger.valueOf(UNIT_NANOS.get(p.get2()))));
    }
    BigInteger roundedUp = nanos.add(BigInteger.valueOf(999_999));

    long millis = parseResetMillis(text.toString());

    if (text.length() > 64 || roundedUp.bitLength() >= 64) {
      assertThat(millis).as(text.toString()).isEqualTo(UNKNOWN);
    } else {
      assertThat(millis)
          .as(text.toString())
          .isEqualTo(roundedUp.divide(BigInteger.valueOf(1_000_000)).longValueExact());
    }
  }

  @Property(tries = 1000)
  void countsAreReadExactlyOrUnknownWhenTheyDoNotFitALong(@ForAll("decimalDigits") String digits) {
    BigInteger value = new BigInteger(digits);

    long parsed = parseCount(digits);

    if (value.bitLength() < 64 && digits.length() <= 64) {
      assertThat(parsed).isEqualTo(value.longValueExact());
    } else {
      assertThat(parsed).isEqualTo(UNKNOWN);
    }
  }

  @Property(tries = 1000)
  void garbageInEveryHeaderNeverFailsTheCall(
      @ForAll("headerText") String a,
      @ForAll("headerText") String b,
      @ForAll("headerText") String c) {
    String[] values = {a, b, c};
    RateLimits limits = RateLimits.fromHeaders(name -> values[Math.floorMod(name.hashCode(), 3)]);

    if (limits != null) {
      assertThat(List.of(
              limits.limitRequests,
              limits.limitTokens,
              limits.remainingRequests,
              limits.remainingTokens,
              limits.resetRequestsMs,
              limits.resetTokensMs))
          .allSatisfy(v -> assertThat(v).isGreaterThanOrEqualTo(UNKNOWN));
    }
  }

  @Example
  void theHostileValuesOfTheIssueAreReadOrUnknown() {
    assertThat(parseResetMillis("6m0s")).isEqualTo(360_000);
    assertThat(parseResetMillis("1h2m3.5s")).isEqualTo(3_723_500);
    for (String unknown : new String[] {
      "-1",
      "",
      " ",
      "\t\n",
      "99999999999999999999",
      "1e309",
      "99999999999999999999s",
      "9223372036854775807h",
      "NaN",
      "Infinity",
      "1".repeat(10_000),
      "1s".repeat(5_000),
      "0x10",
      "+5",
      "５s" /* a full-width digit */
    }) {
      assertThat(parseResetMillis(unknown)).as("reset %s", abbreviate(unknown)).isEqualTo(UNKNOWN);
      assertThat(parseCount(unknown)).as("count %s", abbreviate(unknown)).isEqualTo(UNKNOWN);
    }
    assertThat(parseCount("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
    assertThat(parseResetMillis("9223372036s")).isEqualTo(9_223_372_036_000L);
  }

  @Provide
  Arbitrary<String> headerText() {
    Arbitrary<String> durationish =
        Arbitraries.strings().withChars("0123456789.-+ hmsun\u00b5\u03bceE").ofMaxLength(30);
    Arbitrary<String> anything = Arbitraries.strings().all().ofMaxLength(80);
    Arbitrary<String> long_ =
        Arbitraries.strings().withChars("0123456789sm.").ofMinLength(60).ofMaxLength(10_000);
    return Arbitraries.frequencyOf(
        Tuple.of(5, durationish),
        Tuple.of(3, anything),
        Tuple.of(1, long_),
        Tuple.of(1, Arbitraries.just((String) null)));
  }

  @Provide
  Arbitrary<List<Tuple.Tuple2<Long, String>>> goDurationParts() {
    Arbitrary<Long> value = Arbitraries.oneOf(
        Arbitraries.longs().between(0, 1_000), Arbitraries.longs().between(0, Long.MAX_VALUE));
    return Arbitraries.of(UNIT_NANOS.keySet())
        .flatMap(unit -> value.map(v -> Tuple.of(v, unit)))
        .list()
        .ofMinSize(1)
        .ofMaxSize(4);
  }

  @Provide
  Arbitrary<String> decimalDigits() {
    return Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(40);
  }

  private static String abbreviate(String s) {
    return s.length() <= 20 ? s : s.substring(0, 20) + "... (" + s.length() + " chars)";
  }
}
