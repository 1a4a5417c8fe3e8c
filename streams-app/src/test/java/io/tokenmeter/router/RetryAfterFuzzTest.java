package io.tokenmeter.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The other header parser of the app: a receiver's {@code Retry-After}. Whatever it says, the
 * router reads a wait of zero or more, or nothing (its own backoff then applies); never an
 * exception that would stop delivery, never a negative wait.
 */
class RetryAfterFuzzTest {

  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-11-27T12:00:00Z"), ZoneOffset.UTC);

  @Property(tries = 3000)
  void anyHeaderIsANonNegativeWaitOrNothing(@ForAll("headers") String header) {
    Optional<Duration> wait = RetryAfter.parse(header, CLOCK);

    wait.ifPresent(w -> assertThat(w).isGreaterThanOrEqualTo(Duration.ZERO));
  }

  @Example
  void hostileValuesAreReadOrIgnored() {
    assertThat(RetryAfter.parse("-1", CLOCK)).isEmpty();
    assertThat(RetryAfter.parse("", CLOCK)).isEmpty();
    assertThat(RetryAfter.parse("6m0s", CLOCK)).isEmpty();
    assertThat(RetryAfter.parse("1e309", CLOCK)).isEmpty();
    assertThat(RetryAfter.parse("99999999999999999999", CLOCK)).isEmpty();
    assertThat(RetryAfter.parse("9".repeat(10_000), CLOCK)).isEmpty();
    assertThat(RetryAfter.parse("Thu, 01 Jan 1970 00:00:00 GMT", CLOCK)).contains(Duration.ZERO);
    assertThat(RetryAfter.parse("Fri, 31 Dec 9999 23:59:59 GMT", CLOCK))
        .hasValueSatisfying(w -> assertThat(w).isPositive());
    // The router caps whatever is asked at router.retry.max.backoff (Backoff.delay).
    assertThat(RetryAfter.parse("9999999999", CLOCK)).contains(Duration.ofSeconds(9_999_999_999L));
  }

  @Provide
  Arbitrary<String> headers() {
    Arbitrary<String> dateish = Arbitraries.strings()
        .withChars("0123456789 ,:-+ADFJMNOSTWadefghilnoprtuvyGM")
        .ofMaxLength(40);
    Arbitrary<String> numeric =
        Arbitraries.strings().withChars("0123456789-+. e").ofMaxLength(25);
    Arbitrary<String> anything = Arbitraries.strings().all().ofMaxLength(60);
    Arbitrary<String> dates = Arbitraries.integers()
        .between(0, 99_999)
        .flatMap(year -> Arbitraries.of("Sun", "Mon", "Xyz")
            .flatMap(day -> Arbitraries.integers()
                .between(0, 40)
                .map(d ->
                    day + ", " + String.format("%02d", d) + " Feb " + year + " 25:61:61 GMT")));
    return Arbitraries.oneOf(dateish, numeric, anything, dates, Arbitraries.just((String) null));
  }
}
