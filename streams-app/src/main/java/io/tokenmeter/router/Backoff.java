package io.tokenmeter.router;

import io.tokenmeter.config.RouterSettings;
import java.time.Duration;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * How long to wait before the next attempt: exponential backoff with full jitter (a uniformly
 * random delay between 0 and {@code min(max, initial * 2^(attempt-1))}), so that many routers
 * retrying the same receiver spread out. A receiver's {@code Retry-After} replaces the computed
 * delay, capped at the maximum so that one bad header cannot park delivery for days.
 */
final class Backoff {

  private final Duration initial;
  private final Duration max;
  private final DoubleSupplier random;

  /** @param random values in [0, 1); injected so that tests are deterministic */
  Backoff(RouterSettings.Retry retry, DoubleSupplier random) {
    this.initial = retry.initialBackoff();
    this.max = retry.maxBackoff();
    this.random = random;
  }

  /**
   * @param attempt 1 for the delay after the first failed attempt
   * @param retryAfter what the receiver asked for, if anything
   */
  Duration delay(int attempt, Optional<Duration> retryAfter) {
    if (retryAfter.isPresent()) {
      Duration asked = retryAfter.get();
      return asked.compareTo(max) > 0 ? max : asked;
    }
    return Duration.ofMillis((long) (random.getAsDouble() * ceiling(attempt).toMillis()));
  }

  /** {@code min(max, initial * 2^(attempt-1))}, without overflow for any attempt. */
  Duration ceiling(int attempt) {
    int doublings = Math.max(0, attempt - 1);
    if (doublings >= 62) {
      return max;
    }
    long ms = initial.toMillis();
    long factor = 1L << doublings;
    if (ms > max.toMillis() / factor) {
      return max;
    }
    return Duration.ofMillis(ms * factor);
  }
}
