package io.tokenmeter.alert;

import java.time.Instant;

/** Event-time minutes as epoch-minute indexes: minute {@code m} is {@code [m*60s, (m+1)*60s)}. */
final class Minutes {

  static final long MINUTE_MS = 60_000L;

  /** Marks "no minute yet" in states. */
  static final long NONE = Long.MIN_VALUE;

  private Minutes() {}

  static long of(Instant t) {
    return Math.floorDiv(t.toEpochMilli(), MINUTE_MS);
  }

  static Instant start(long minute) {
    return Instant.ofEpochMilli(minute * MINUTE_MS);
  }

  static Instant end(long minute) {
    return Instant.ofEpochMilli((minute + 1) * MINUTE_MS);
  }

  /** The last minute that ends at or before {@code closedUpTo}. */
  static long lastClosedBy(Instant closedUpTo) {
    return of(closedUpTo) - 1;
  }
}
