package io.tokenmeter.sdk.internal;

import static io.tokenmeter.sdk.internal.RateLimits.UNKNOWN;
import static io.tokenmeter.sdk.internal.RateLimits.parseCount;
import static io.tokenmeter.sdk.internal.RateLimits.parseResetMillis;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class RateLimitsTest {

  @ParameterizedTest(name = "{0} is {1} ms")
  @CsvSource({
    "6m0s, 360000",
    "1s, 1000",
    "12ms, 12",
    "1h2m3.5s, 3723500",
    "0.5s, 500",
    "0, 0",
    "0s, 0",
    "59.999s, 59999",
    "2m30s, 150000",
    "1h, 3600000",
    "1.5ms, 2",
    "500us, 1",
    "1000ns, 1",
    "' 20ms ', 20",
    "1.s, 1000",
    ".25s, 250",
  })
  void goDurationsBecomeMillisRoundedUp(String header, long millis) {
    assertThat(parseResetMillis(header)).isEqualTo(millis);
  }

  @Test
  void microsecondsAcceptBothMuSpellingsAsGoDoes() {
    assertThat(parseResetMillis("1500\u00b5s")).isEqualTo(2);
    assertThat(parseResetMillis("1500\u03bcs")).isEqualTo(2);
  }

  @ParameterizedTest(name = "reset ''{0}'' is unknown")
  @NullAndEmptySource
  @ValueSource(
      strings = {
        "-1", // Azure: unknown
        "-1s",
        "   ",
        "abc",
        "20", // a bare number has no unit; guessing one would be wrong half the time
        "1x",
        "s",
        "1s2",
        "1e3s",
        "1..5s",
        "--1s",
        "+1s",
        "1 s",
        "99999999999999999999s", // overflows a long before the unit
        "9223372036854775807h", // overflows in nanoseconds
        "2562047h47m16.854775807s1ns", // Long.MAX_VALUE nanos plus one
        "1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s",
      })
  void malformedOrNegativeResetIsUnknownNeverAnException(String header) {
    assertThat(parseResetMillis(header)).isEqualTo(UNKNOWN);
  }

  @ParameterizedTest(name = "count ''{0}'' is {1}")
  @CsvSource({"10000, 10000", "0, 0", "' 42 ', 42", "9223372036854775807, 9223372036854775807"})
  void countsAreNonNegativeIntegers(String header, long value) {
    assertThat(parseCount(header)).isEqualTo(value);
  }

  @ParameterizedTest(name = "count ''{0}'' is unknown")
  @NullAndEmptySource
  @ValueSource(
      strings = {
        "-1",
        "-5",
        "+5",
        "1.5",
        "1e3",
        "abc",
        "10 000",
        "9223372036854775808",
        "99999999999999999999999"
      })
  void malformedCountIsUnknownNeverAnException(String header) {
    assertThat(parseCount(header)).isEqualTo(UNKNOWN);
  }

  @Test
  void allSixOpenAiHeadersAreRead() {
    Map<String, String> headers = Map.of(
        "x-ratelimit-limit-requests", "10000",
        "x-ratelimit-limit-tokens", "2000000",
        "x-ratelimit-remaining-requests", "9999",
        "x-ratelimit-remaining-tokens", "1999650",
        "x-ratelimit-reset-requests", "6ms",
        "x-ratelimit-reset-tokens", "10ms");
    RateLimits r = RateLimits.fromHeaders(headers::get);
    assertThat(r.limitRequests).isEqualTo(10000);
    assertThat(r.limitTokens).isEqualTo(2_000_000);
    assertThat(r.remainingRequests).isEqualTo(9999);
    assertThat(r.remainingTokens).isEqualTo(1_999_650);
    assertThat(r.resetRequestsMs).isEqualTo(6);
    assertThat(r.resetTokensMs).isEqualTo(10);
  }

  @Test
  void azureMinusOneLeavesOnlyThatValueUnknown() {
    Map<String, String> headers =
        Map.of("x-ratelimit-remaining-requests", "-1", "x-ratelimit-remaining-tokens", "4850");
    RateLimits r = RateLimits.fromHeaders(headers::get);
    assertThat(r.remainingRequests).isEqualTo(UNKNOWN);
    assertThat(r.remainingTokens).isEqualTo(4850);
    assertThat(r.limitRequests).isEqualTo(UNKNOWN);
  }

  @Test
  void noUsableHeaderGivesNoSnapshotAtAll() {
    assertThat(RateLimits.fromHeaders(name -> null)).isNull();
    assertThat(RateLimits.fromHeaders(name -> "garbage")).isNull();
  }
}
