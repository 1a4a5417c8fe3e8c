package io.tokenmeter.bench.pipeline;

import io.tokenmeter.schemas.CallEventKeys;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.RateLimitSnapshot;
import io.tokenmeter.schemas.SdkInfo;
import io.tokenmeter.sdk.Tokenmeter;
import java.time.Instant;
import java.util.Random;
import java.util.UUID;

/**
 * Deterministic LLM call events with realistic fields: Zipf-skewed dimension combinations, token
 * counts shaped like chat traffic, about 2% errors (without usage, as providers report them), a
 * rate-limit snapshot on some calls. The same seed gives the same events, and so the same totals.
 */
final class EventGenerator {

  static final double ZIPF_EXPONENT = 1.1;
  static final int COMBINATIONS = 50_000;

  private static final String[][] ERRORS = {
    {"rate_limited", "429"},
    {"server", "500"},
    {"server", "503"},
    {"timeout", null},
    {"invalid_request", "400"}
  };

  private final Dimensions dimensions;
  private final Zipf zipf;
  private final Random random;
  private final SdkInfo sdk = new SdkInfo(Tokenmeter.SDK_NAME, Tokenmeter.SDK_VERSION);
  private final Totals.Sum sum = new Totals.Sum();

  EventGenerator(Dimensions dimensions, long seed) {
    this.dimensions = dimensions;
    this.zipf = new Zipf(dimensions.combos().size(), ZIPF_EXPONENT);
    this.random = new Random(seed);
  }

  static EventGenerator seeded(long seed) {
    return new EventGenerator(Dimensions.create(seed, COMBINATIONS), seed + 1);
  }

  Dimensions dimensions() {
    return dimensions;
  }

  /** Sums over every event returned so far. */
  Totals totals() {
    return sum.totals();
  }

  /** The next event, at {@code timestampMs}. */
  LlmCallEvent next(long timestampMs) {
    Dimensions.Combo c = dimensions.combos().get(zipf.next(random));
    return event(timestampMs, c.model(), c.key(), c.service(), null);
  }

  /** An event for the given dimensions, with an optional rate-limit snapshot, counted in the totals. */
  LlmCallEvent event(
      long timestampMs,
      String model,
      Dimensions.ApiKey key,
      String service,
      RateLimitSnapshot limits) {
    boolean error = random.nextInt(50) == 0;
    String[] err = error ? ERRORS[random.nextInt(ERRORS.length)] : null;
    boolean streaming = random.nextBoolean();
    Long input = null;
    Long output = null;
    Long cacheRead = null;
    Long cacheCreation = null;
    Long reasoning = null;
    long duration;
    Long ttft = null;
    if (!error) {
      input = 50L + (long) Math.abs(random.nextGaussian() * 1500);
      output = 10L + (long) Math.abs(random.nextGaussian() * 400);
      if (random.nextInt(10) < 3) {
        cacheRead = (long) (input * random.nextDouble() * 0.8);
      }
      if (random.nextInt(20) == 0) {
        cacheCreation = (long) (input * 0.5);
      }
      if (model.startsWith("o") || model.startsWith("gpt-5")) {
        reasoning = (long) (output * random.nextDouble() * 0.7);
      }
      duration = 200 + output * 15 + random.nextInt(400);
      if (streaming) {
        ttft = 80L + random.nextInt(600);
      }
    } else {
      duration = "timeout".equals(err[0]) ? 60_000 : 50 + random.nextInt(500);
    }
    RateLimitSnapshot snapshot = limits;
    if (snapshot == null && random.nextInt(10) == 0) {
      // Low utilization: the throughput data should not be an alert storm.
      snapshot = new RateLimitSnapshot(
          30_000L,
          150_000_000L,
          20_000L + random.nextInt(10_000),
          100_000_000L + random.nextInt(50_000_000),
          (long) random.nextInt(60_000),
          (long) random.nextInt(60_000));
    }
    LlmCallEvent e = new LlmCallEvent(
        new UUID(
                random.nextLong() & 0xffffffffffff0fffL | 0x0000000000004000L,
                random.nextLong() & 0x3fffffffffffffffL | 0x8000000000000000L)
            .toString(),
        Instant.ofEpochMilli(timestampMs),
        sdk,
        service,
        "prod",
        key.org(),
        key.project(),
        key.fingerprint(),
        key.hint(),
        random.nextInt(4) == 0 ? "user-" + random.nextInt(10_000) : null,
        "openai",
        "chat",
        model,
        error ? null : model,
        input,
        output,
        cacheRead,
        cacheCreation,
        reasoning,
        duration,
        ttft,
        err == null ? Integer.valueOf(200) : err[1] == null ? null : Integer.valueOf(err[1]),
        err == null ? null : err[0],
        streaming,
        snapshot);
    sum.add(e);
    return e;
  }

  /** The SDK's record key for an event: CallEventKeys, org/project. */
  static String key(LlmCallEvent e) {
    return CallEventKeys.of(e);
  }
}
