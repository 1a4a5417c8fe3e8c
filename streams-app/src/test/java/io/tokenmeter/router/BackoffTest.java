package io.tokenmeter.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.config.RouterSettings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private static final RouterSettings.Retry RETRY =
      new RouterSettings.Retry(Duration.ofSeconds(1), Duration.ofSeconds(60));
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-11-27T10:00:00Z"), ZoneOffset.UTC);

  @Test
  void theCeilingDoublesFromTheInitialBackoffUpToTheMaximum() {
    Backoff backoff = new Backoff(RETRY, () -> 0.5);

    assertThat(backoff.ceiling(1)).isEqualTo(Duration.ofSeconds(1));
    assertThat(backoff.ceiling(2)).isEqualTo(Duration.ofSeconds(2));
    assertThat(backoff.ceiling(6)).isEqualTo(Duration.ofSeconds(32));
    assertThat(backoff.ceiling(7)).isEqualTo(Duration.ofSeconds(60));
    assertThat(backoff.ceiling(1_000_000)).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void fullJitterPicksADelayBetweenZeroAndTheCeiling() {
    assertThat(new Backoff(RETRY, () -> 0.0).delay(3, Optional.empty())).isEqualTo(Duration.ZERO);
    assertThat(new Backoff(RETRY, () -> 0.5).delay(3, Optional.empty()))
        .isEqualTo(Duration.ofSeconds(2));
    assertThat(new Backoff(RETRY, () -> 0.999).delay(3, Optional.empty()))
        .isEqualTo(Duration.ofMillis(3996));
  }

  @Test
  void retryAfterReplacesTheComputedDelayUpToTheMaximum() {
    Backoff backoff = new Backoff(RETRY, () -> 0.0);

    assertThat(backoff.delay(1, Optional.of(Duration.ofSeconds(7))))
        .isEqualTo(Duration.ofSeconds(7));
    assertThat(backoff.delay(1, Optional.of(Duration.ofHours(3))))
        .isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void retryAfterInSeconds() {
    assertThat(RetryAfter.parse("120", CLOCK)).contains(Duration.ofSeconds(120));
    assertThat(RetryAfter.parse(" 0 ", CLOCK)).contains(Duration.ZERO);
  }

  @Test
  void retryAfterAsAnHttpDate() {
    assertThat(RetryAfter.parse("Fri, 27 Nov 2026 10:00:42 GMT", CLOCK))
        .contains(Duration.ofSeconds(42));
    assertThat(RetryAfter.parse("Fri, 27 Nov 2026 09:00:00 GMT", CLOCK))
        .as("in the past")
        .contains(Duration.ZERO);
  }

  @Test
  void garbledRetryAfterIsIgnored() {
    assertThat(RetryAfter.parse(null, CLOCK)).isEmpty();
    assertThat(RetryAfter.parse("", CLOCK)).isEmpty();
    assertThat(RetryAfter.parse("soon", CLOCK)).isEmpty();
    assertThat(RetryAfter.parse("-5", CLOCK)).isEmpty();
    assertThat(RetryAfter.parse("1.5", CLOCK)).isEmpty();
    assertThat(RetryAfter.parse("2026-11-27T10:00:42Z", CLOCK)).isEmpty();
  }
}
