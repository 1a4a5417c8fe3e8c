package io.tokenmeter.rollup;

import static io.tokenmeter.rollup.Calls.call;
import static io.tokenmeter.rollup.RollupDriver.header;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.schemas.ApiKeyFields;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.UsageRollup;
import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.schemas.serde.AvroSerializer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.UnaryOperator;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;

/**
 * Corrupt bytes and hostile values through the whole topology. Every input record ends in exactly
 * one place: counted in a rollup, dropped as a replay of a counted event id (and counted in {@code
 * tokenmeter-duplicate-events-total}), or written to the dead-letter topic with its original key
 * and value and a reason. Nothing throws out of the driver, nothing vanishes.
 */
class HostileInputTopologyTest {

  private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
  private static final Duration GRACE = Duration.ofSeconds(90);
  private static final Set<String> REASONS = Set.of("malformed", "invalid", "late", "error");

  @Property(tries = 15)
  void everyRecordIsCountedDroppedAsAReplayOrDeadLetteredWithItsBytes(
      @ForAll long seed, @ForAll @IntRange(min = 1, max = 150) int records) {
    Random random = new Random(seed);
    List<byte[][]> inputs = new ArrayList<>();
    try (RollupDriver driver = new RollupDriver(
        RollupDriver.rollup(GRACE, Duration.ofHours(1), 10_000), new FakePricing(), T0)) {
      for (int i = 0; i < records; i++) {
        LlmCallEvent valid = call(T0.plusMillis(random.nextInt(5 * 60_000)))
            .setEventId(seed + "-" + i)
            .setOrgId("org-" + random.nextInt(3))
            .build();
        byte[] key = (valid.getOrgId() + "/proj-1").getBytes(StandardCharsets.UTF_8);
        byte[] value = driver.bytes(valid);
        switch (random.nextInt(7)) {
          case 0 -> value = randomBytes(random, random.nextInt(200));
          case 1 -> value = Arrays.copyOf(value, random.nextInt(value.length));
          case 2 -> {
            for (int m = 0; m <= random.nextInt(4); m++) {
              value[random.nextInt(value.length)] = (byte) random.nextInt(256);
            }
          }
          case 3 -> value = random.nextBoolean() ? null : new byte[0];
          case 4 -> key = random.nextBoolean() ? null : randomBytes(random, random.nextInt(40));
          default -> {} // valid and keyed as the SDK keys it
        }
        inputs.add(new byte[][] {key, value});
        driver.sendRaw(key, value, new RecordHeaders(), valid.getTimestamp());
      }
      // Past the furthest an accepted event may lie ahead of the clock, so every window has closed.
      driver.advanceWallClock(CallValidation.MAX_AHEAD_OF_CLOCK.plus(GRACE).plusMinutes(2));

      long counted =
          driver.rollups().stream().mapToLong(r -> r.value().getRequests()).sum();
      List<TestRecord<byte[], byte[]>> dead = driver.deadLetters();
      long replays = (long) driver.metric("tokenmeter-duplicate-events-total", null);

      assertThat(counted + replays + dead.size()).isEqualTo(records);
      Map<String, Integer> unmatched = multiset(inputs);
      for (TestRecord<byte[], byte[]> d : dead) {
        assertThat(header(d, DeadLetterHeaders.REASON)).isIn(REASONS);
        assertThat(header(d, DeadLetterHeaders.ERROR)).isNotBlank();
        String original = describe(d.key(), d.value());
        assertThat(unmatched.merge(original, -1, Integer::sum))
            .as(
                "dead letter carries an input's own bytes (key fields redacted where they may hold a key)")
            .isGreaterThanOrEqualTo(0);
      }
    }
  }

  @Example
  void negativeAndAbsurdTokenCountsAreInvalidNamingTheField() {
    assertInvalid(b -> b.setInputTokens(-1L), "input_tokens is negative (-1)");
    assertInvalid(
        b -> b.setOutputTokens(Long.MAX_VALUE),
        "output_tokens is 9223372036854775807, more than the 1000000000000 one call can report");
    assertInvalid(
        b -> b.setCacheReadInputTokens(CallValidation.MAX_TOKENS + 1),
        "cache_read_input_tokens is 1000000000001");
  }

  @Example
  void theLargestAcceptedTokenCountsAreCountedAndPricedExactly() {
    long max = CallValidation.MAX_TOKENS;
    try (RollupDriver driver = driverAt(T0)) {
      for (int i = 0; i < 3; i++) {
        driver.send(
            call(T0.plusSeconds(i)).setInputTokens(max).setOutputTokens(max).build());
      }
      driver.advanceWallClock(Duration.ofHours(1));

      UsageRollup rollup = driver.rollups().get(0).value();
      assertThat(rollup.getInputTokens()).isEqualTo(3 * max);
      assertThat(rollup.getCostMicros()).isEqualTo(3 * (max + 4 * max));
      assertThat(driver.deadLetters()).isEmpty();
    }
  }

  @Example
  void timestampsBeforeTheEpochOrFarAheadOfTheClockAreInvalid() {
    assertInvalid(
        b -> b.setTimestamp(Instant.ofEpochMilli(Long.MIN_VALUE)),
        "is before 1970-01-01T00:00:00Z");
    assertInvalid(b -> b.setTimestamp(Instant.ofEpochMilli(-1)), "is before 1970-01-01T00:00:00Z");
    assertInvalid(
        b -> b.setTimestamp(Instant.ofEpochMilli(Long.MAX_VALUE)), "h ahead of the app's clock");
    assertInvalid(
        b -> b.setTimestamp(Instant.parse("9999-12-31T23:59:59Z")),
        "timestamp 9999-12-31T23:59:59Z is more than 24 h ahead of the app's clock (2026-11-27T10:00:00Z)");
  }

  @Example
  void anEventFromTheFarFutureDoesNotMakeTheRealTrafficLate() {
    // Regression: the year-9999 event moved event time to 9999 and closed every window, so each
    // real event after it became a "late" dead letter.
    try (RollupDriver driver = driverAt(T0)) {
      driver.send(call(T0.plusSeconds(1)).build());
      driver.send(call(Instant.parse("9999-01-01T00:00:00Z")).build());
      driver.send(call(T0.plusSeconds(2)).build());
      driver.advanceWallClock(Duration.ofHours(1));

      assertThat(driver.rollups()).extracting(r -> r.value().getRequests()).containsExactly(2L);
      assertThat(driver.deadLetters())
          .extracting(d -> header(d, DeadLetterHeaders.REASON))
          .containsExactly("invalid");
    }
  }

  @Example
  void anEventAtTheEpochIsLateOnceRealTrafficHasClosedItsWindow() {
    try (RollupDriver driver = driverAt(T0)) {
      driver.send(call(T0).build());
      driver.send(call(Instant.EPOCH).build());
      driver.advanceWallClock(Duration.ofHours(1));

      assertThat(driver.rollups()).extracting(r -> r.value().getRequests()).containsExactly(1L);
      assertThat(driver.deadLetters())
          .extracting(d -> header(d, DeadLetterHeaders.REASON))
          .containsExactly("late");
    }
  }

  @Example
  void aMegabyteNameIsInvalidNamingTheFieldAndItsLength() {
    String huge = "m".repeat(1 << 20);
    assertInvalid(
        b -> b.setRequestModel(huge),
        "request_model is 1048576 characters long; at most 1024 are accepted");
    assertInvalid(b -> b.setOrgId(huge), "org_id is 1048576 characters long");
    assertInvalid(b -> b.setService(huge), "service is 1048576 characters long");
    assertInvalid(
        b -> b.setSdk(new io.tokenmeter.schemas.SdkInfo("tokenmeter-java", huge)),
        "sdk.version is 1048576 characters long");
    assertInvalid(b -> b.setErrorType(huge), "error_type is 1048576 characters long");
  }

  @Example
  void aNameOfTheMaximumLengthIsCounted() {
    String longest = "m".repeat(CallValidation.MAX_TEXT_CHARS);
    try (RollupDriver driver = driverAt(T0)) {
      driver.send(call(T0).setResponseModel(longest).build());
      driver.advanceWallClock(Duration.ofHours(1));

      assertThat(driver.rollups()).extracting(r -> r.value().getModel()).containsExactly(longest);
    }
  }

  @Example
  void windowSumsStopAtTheLargestLongInsteadOfWrapping() {
    RollupAggregate a = new RollupAggregate();
    a.inputTokens = Long.MAX_VALUE - 5;
    a.costMicros = Long.MAX_VALUE - 5;

    a.add(call(T0).setInputTokens(10L).build(), false, java.util.OptionalLong.of(10), "v");
    RollupAggregate decoded = RollupAggregate.decode(a.encode());

    assertThat(decoded.inputTokens).isEqualTo(Long.MAX_VALUE);
    assertThat(decoded.costMicros).isEqualTo(Long.MAX_VALUE);
  }

  @Example
  void distinctErrorTypesBeyondTheLimitAreFoldedIntoOther() {
    RollupAggregate a = new RollupAggregate();
    for (int i = 0; i < 1000; i++) {
      a.add(
          call(T0).setErrorType("request-" + i).build(),
          false,
          java.util.OptionalLong.empty(),
          "v");
    }

    assertThat(a.errorsByClass).hasSize(RollupAggregate.MAX_ERROR_CLASSES + 1);
    assertThat(a.errorsByClass.get(Dimensions.OTHER))
        .isEqualTo(1000L - RollupAggregate.MAX_ERROR_CLASSES);
    assertThat(a.errors).isEqualTo(1000);
  }

  private static RollupDriver driverAt(Instant wallClock) {
    return new RollupDriver(
        RollupDriver.rollup(GRACE, Duration.ofHours(1), 10_000), new FakePricing(), wallClock);
  }

  /** Sends one otherwise valid event changed by {@code change}: it must be an invalid dead letter with its bytes. */
  private static void assertInvalid(UnaryOperator<LlmCallEvent.Builder> change, String errorPart) {
    try (RollupDriver driver = driverAt(T0)) {
      LlmCallEvent event = change.apply(call(T0)).build();
      byte[] key = "org-1/proj-1".getBytes(StandardCharsets.UTF_8);
      byte[] value = driver.bytes(event);
      driver.sendRaw(key, value, new RecordHeaders(), T0);
      driver.advanceWallClock(Duration.ofHours(1));

      List<TestRecord<byte[], byte[]>> dead = driver.deadLetters();
      assertThat(dead).hasSize(1);
      assertThat(header(dead.get(0), DeadLetterHeaders.REASON)).isEqualTo("invalid");
      assertThat(header(dead.get(0), DeadLetterHeaders.ERROR)).contains(errorPart);
      assertThat(dead.get(0).value()).isEqualTo(value);
      assertThat(dead.get(0).key()).isEqualTo(key);
      assertThat(driver.rollups()).isEmpty();
    }
  }

  private static byte[] randomBytes(Random random, int length) {
    byte[] b = new byte[length];
    random.nextBytes(b);
    return b;
  }

  /**
   * What each input's dead letter must hold: its own bytes, except that an event whose key fields
   * may hold a key (a mutation can make a hint unlike the SDK's) is dead-lettered as its copy with
   * those fields redacted.
   */
  private static Map<String, Integer> multiset(List<byte[][]> inputs) {
    Map<String, Integer> m = new HashMap<>();
    for (byte[][] kv : inputs) {
      m.merge(describe(kv[0], redactedIfItMayHoldAKey(kv[1])), 1, Integer::sum);
    }
    return m;
  }

  private static byte[] redactedIfItMayHoldAKey(byte[] value) {
    LlmCallEvent event;
    try {
      event = new AvroDeserializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry())
          .deserialize(RollupDriver.CALLS, value);
    } catch (RuntimeException notAnEvent) {
      return value;
    }
    if (event == null
        || ApiKeyFields.keyProblem(event.getApiKeyHint(), event.getApiKeyFingerprint())
            .isEmpty()) {
      return value;
    }
    LlmCallEvent redacted = LlmCallEvent.newBuilder(event)
        .setApiKeyHint(DecodeProcessor.REDACTED)
        .setApiKeyFingerprint(DecodeProcessor.REDACTED)
        .build();
    return new AvroSerializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry())
        .serialize(RollupDriver.CALLS, redacted);
  }

  private static String describe(byte[] key, byte[] value) {
    return (key == null ? "null" : Arrays.toString(key)) + "="
        + (value == null ? "null" : Arrays.toString(value));
  }
}
