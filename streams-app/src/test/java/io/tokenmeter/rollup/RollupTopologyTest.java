package io.tokenmeter.rollup;

import static io.tokenmeter.rollup.Calls.call;
import static io.tokenmeter.rollup.RollupDriver.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.UsageRollup;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The rollup told as stories: events go in at explicit times, final rollups and dead letters come out. */
class RollupTopologyTest {

  private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
  private static final Duration GRACE = Duration.ofMinutes(2);

  private RollupDriver driver = new RollupDriver(
      RollupDriver.rollup(GRACE, Duration.ofHours(1), 10_000), new FakePricing(), T0);

  @AfterEach
  void close() {
    driver.close();
  }

  private static Instant at(String hhmmss) {
    return Instant.parse("2026-11-27T" + hhmmss + "Z");
  }

  /** Moves event time far enough that every window up to {@code until} has closed. */
  private void closeWindowsBefore(Instant until) {
    driver.send(call(until.plus(GRACE)).setOrgId("clock").setProjectId("tick").build());
  }

  @Test
  void lastMillisecondOfAMinuteAndFirstOfTheNextLandInDifferentWindows() {
    driver.send(call(at("10:00:59.999")).build());
    driver.send(call(at("10:01:00.000")).build());
    closeWindowsBefore(at("10:02:00"));

    List<TestRecord<String, UsageRollup>> out = driver.rollups();
    assertThat(out)
        .extracting(r -> r.value().getWindowStart(), r -> r.value().getRequests())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(at("10:00:00"), 1L),
            org.assertj.core.groups.Tuple.tuple(at("10:01:00"), 1L));
    assertThat(out.get(0).value().getWindowEnd()).isEqualTo(at("10:01:00"));
  }

  @Test
  void emitsNothingEarlyThenExactlyOneFinalRollupPerWindowAndDimensions() {
    driver.send(call(at("10:00:05")).build());
    driver.send(call(at("10:00:10")).build());
    driver.send(call(at("10:00:20")).setService("billing").build());
    driver.send(call(at("10:02:59.999")).build());
    assertThat(driver.rollups()).isEmpty();

    driver.send(call(at("10:03:00")).build());

    List<TestRecord<String, UsageRollup>> out = driver.rollups();
    assertThat(out)
        .extracting(TestRecord::key)
        .containsExactly(
            "2026-11-27T10:00:00Z|gpt-4o-2024-08-06|org-1|proj-1|fp-1|billing",
            "2026-11-27T10:00:00Z|gpt-4o-2024-08-06|org-1|proj-1|fp-1|checkout");
    assertThat(out).extracting(r -> r.value().getRequests()).containsExactly(1L, 2L);
    assertThat(out.get(1).value().getInputTokens()).isEqualTo(200);
    assertThat(out.get(1).timestamp()).isEqualTo(at("10:00:00").toEpochMilli());

    driver.send(call(at("10:03:30")).build());
    assertThat(driver.rollups()).isEmpty();
  }

  @Test
  void eventInsideGraceCountsAndOneAfterGraceIsADeadLetterWithItsOriginalBytes() {
    driver.send(call(at("10:00:10")).build());
    driver.send(call(at("10:02:59")).build());
    driver.send(call(at("10:00:50")).build());
    driver.send(call(at("10:03:00")).build());
    assertThat(driver.rollups()).extracting(r -> r.value().getRequests()).containsExactly(2L);

    LlmCallEvent late = call(at("10:00:55")).build();
    byte[] lateBytes = driver.bytes(late);
    RecordHeaders headers = new RecordHeaders();
    headers.add("traceparent", "00-abc-01".getBytes(StandardCharsets.UTF_8));
    driver.sendRaw(
        "org-1/proj-1".getBytes(StandardCharsets.UTF_8), lateBytes, headers, late.getTimestamp());

    assertThat(driver.rollups()).isEmpty();
    List<TestRecord<byte[], byte[]>> dead = driver.deadLetters();
    assertThat(dead).hasSize(1);
    TestRecord<byte[], byte[]> d = dead.get(0);
    assertThat(d.key()).isEqualTo("org-1/proj-1".getBytes(StandardCharsets.UTF_8));
    assertThat(d.value()).isEqualTo(lateBytes);
    assertThat(header(d, "traceparent")).isEqualTo("00-abc-01");
    assertThat(header(d, DeadLetterHeaders.REASON)).isEqualTo("late");
    assertThat(header(d, DeadLetterHeaders.ERROR)).contains("2026-11-27T10:00:55Z");
    assertThat(header(d, DeadLetterHeaders.TOPIC)).isEqualTo(RollupDriver.CALLS);
    assertThat(header(d, DeadLetterHeaders.PARTITION)).isEqualTo("0");
    assertThat(header(d, DeadLetterHeaders.OFFSET)).isEqualTo("4");
    assertThat(header(d, DeadLetterHeaders.AT)).isEqualTo(T0.toString());
    assertThat(driver.metric("tokenmeter-late-events-total", null)).isEqualTo(1.0);
    assertThat(driver.metric("tokenmeter-dlq-records-total", "late")).isEqualTo(1.0);
  }

  @Test
  void windowsCloseOnTheWallClockWhenTrafficStops() {
    driver.send(call(at("10:00:30")).build());
    driver.send(call(at("10:01:30")).build());

    driver.advanceWallClock(Duration.ofMinutes(2)).advanceWallClock(Duration.ofSeconds(59));
    assertThat(driver.rollups()).isEmpty();

    driver.advanceWallClock(Duration.ofSeconds(1));
    assertThat(driver.rollups())
        .extracting(r -> r.value().getWindowStart())
        .containsExactly(at("10:00:00"));

    driver.advanceWallClock(Duration.ofMinutes(1));
    assertThat(driver.rollups())
        .extracting(r -> r.value().getWindowStart())
        .containsExactly(at("10:01:00"));

    driver.send(call(at("10:01:45")).build());
    assertThat(driver.deadLetters())
        .extracting(d -> header(d, DeadLetterHeaders.REASON))
        .containsExactly("late");
  }

  @Test
  void aBacklogBeingReadIsNotClosedUnderItByTheWallClock() {
    driver.close();
    driver = new RollupDriver(
        RollupDriver.rollup(GRACE, Duration.ofHours(1), 10_000),
        new FakePricing(),
        T0.plus(Duration.ofMinutes(30)));
    for (String t : List.of("10:00:10", "10:00:40", "10:01:10", "10:01:40")) {
      driver.send(call(at(t)).build()).advanceWallClock(Duration.ofSeconds(1));
    }
    assertThat(driver.deadLetters()).isEmpty();
    assertThat(driver.rollups()).isEmpty();

    driver.advanceWallClock(GRACE);

    assertThat(driver.rollups())
        .extracting(r -> r.value().getWindowStart(), r -> r.value().getRequests())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(at("10:00:00"), 2L),
            org.assertj.core.groups.Tuple.tuple(at("10:01:00"), 2L));
  }

  @Test
  void aTaskWaitingForItsBacklogDoesNotCloseItByTheWallClock() {
    // A restart after an outage: the task runs (and its wall-clock checks fire) for longer than
    // the grace period before its first fetch returns events from two hours ago.
    driver.close();
    driver = new RollupDriver(
        RollupDriver.rollup(GRACE, Duration.ofHours(1), 10_000),
        new FakePricing(),
        T0.plus(Duration.ofHours(2)));
    driver.advanceWallClock(Duration.ofMinutes(10));

    for (String t : List.of("10:00:10", "10:00:40", "10:01:10")) {
      driver.send(call(at(t)).build());
    }
    assertThat(driver.deadLetters()).isEmpty();

    driver.advanceWallClock(GRACE);

    assertThat(driver.rollups())
        .extracting(r -> r.value().getWindowStart(), r -> r.value().getRequests())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(at("10:00:00"), 2L),
            org.assertj.core.groups.Tuple.tuple(at("10:01:00"), 1L));
    driver.send(call(at("10:01:50")).build());
    assertThat(driver.deadLetters())
        .extracting(d -> header(d, DeadLetterHeaders.REASON))
        .containsExactly("late");
  }

  @Test
  void windowsAreEmittedInWindowOrder() {
    driver.send(call(at("10:02:10")).setService("c").build());
    driver.send(call(at("10:00:10")).setService("b").build());
    driver.send(call(at("10:01:10")).setService("a").build());
    driver.send(call(at("10:00:20")).setService("a").build());

    driver.advanceWallClock(Duration.ofMinutes(10));

    assertThat(driver.rollups())
        .extracting(TestRecord::key)
        .containsExactly(
            "2026-11-27T10:00:00Z|gpt-4o-2024-08-06|org-1|proj-1|fp-1|a",
            "2026-11-27T10:00:00Z|gpt-4o-2024-08-06|org-1|proj-1|fp-1|b",
            "2026-11-27T10:01:00Z|gpt-4o-2024-08-06|org-1|proj-1|fp-1|a",
            "2026-11-27T10:02:00Z|gpt-4o-2024-08-06|org-1|proj-1|fp-1|c");
  }

  @Test
  void aMinuteWithManyRollupsGoesOutAFewPerEventInOrderAndEachOnce() {
    for (int i = 0; i < 200; i++) { // 200 dimension sets in the 10:00 window
      driver.send(call(at("10:00:10")).setService(String.format("svc-%03d", i)).build());
    }
    closeWindowsBefore(at("10:01:00"));
    List<TestRecord<String, UsageRollup>> first = driver.rollups();
    assertThat(first)
        .as("the closing event brings out the first %d", MinuteWindows.EMIT_PER_EVENT)
        .hasSize(MinuteWindows.EMIT_PER_EVENT);

    driver.send(call(at("10:02:30")).build());
    List<TestRecord<String, UsageRollup>> second = driver.rollups();
    assertThat(second).hasSize(MinuteWindows.EMIT_PER_EVENT);
    driver.advanceWallClock(Duration.ofSeconds(1)); // the wall-clock check brings out the rest
    List<TestRecord<String, UsageRollup>> rest = driver.rollups();
    assertThat(rest).hasSize(200 - 2 * MinuteWindows.EMIT_PER_EVENT);

    List<TestRecord<String, UsageRollup>> all = new java.util.ArrayList<>(first);
    all.addAll(second);
    all.addAll(rest);
    assertThat(all)
        .extracting(r -> r.value().getService())
        .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 200)
            .mapToObj(i -> String.format("svc-%03d", i))
            .toList());
    assertThat(all).extracting(r -> r.value().getRequests()).containsOnly(1L);
    assertThat(driver.deadLetters()).isEmpty();
  }

  @Test
  void aReplayedEventIsCountedOnce() {
    LlmCallEvent e = call(at("10:00:10")).build();
    driver.send(e).send(e).send(call(at("10:00:20")).build()).send(e);
    closeWindowsBefore(at("10:01:00"));

    assertThat(driver.rollups()).extracting(r -> r.value().getRequests()).containsExactly(2L);
    assertThat(driver.metric("tokenmeter-duplicate-events-total", null)).isEqualTo(2.0);
  }

  /**
   * Ids are remembered for the dedup horizon of event time; a replay whose window is still open
   * after that counts again. It only happens when the horizon is shorter than grace + 1 minute,
   * which is why the defaults are 1 h against 2 min.
   */
  @Test
  void aReplayAfterTheDedupHorizonCountsAgain() {
    driver.close();
    driver = new RollupDriver(
        RollupDriver.rollup(Duration.ofMinutes(10), Duration.ofMinutes(1), 10_000),
        new FakePricing(),
        T0);
    LlmCallEvent e = call(at("10:00:10")).build();
    driver.send(e);
    driver.send(call(at("10:05:00")).setService("other").build());
    driver.send(e);
    driver.send(call(at("10:11:00")).setService("other").build());

    assertThat(driver.rollups())
        .filteredOn(r -> r.value().getService().equals("checkout"))
        .extracting(r -> r.value().getRequests())
        .containsExactly(2L);
  }

  @Test
  void malformedBytesAreADeadLetterWithTheirOriginalBytesAndTheReason() {
    byte[] garbage = {0x7b, 0x22, 0x6e, 0x6f, 0x74, 0x22};
    driver.sendRaw(
        "k".getBytes(StandardCharsets.UTF_8), garbage, new RecordHeaders(), at("10:00:00"));
    driver.sendRaw(null, null, new RecordHeaders(), at("10:00:00"));

    List<TestRecord<byte[], byte[]>> dead = driver.deadLetters();
    assertThat(dead).hasSize(2);
    assertThat(dead.get(0).key()).isEqualTo("k".getBytes(StandardCharsets.UTF_8));
    assertThat(dead.get(0).value()).isEqualTo(garbage);
    assertThat(header(dead.get(0), DeadLetterHeaders.REASON)).isEqualTo("malformed");
    assertThat(header(dead.get(0), DeadLetterHeaders.ERROR))
        .startsWith(
            "org.apache.kafka.common.errors.SerializationException: unknown Avro wire format");
    assertThat(header(dead.get(0), DeadLetterHeaders.OFFSET)).isEqualTo("0");
    assertThat(dead.get(1).value()).isNull();
    assertThat(header(dead.get(1), DeadLetterHeaders.ERROR)).contains("tombstone");
    assertThat(driver.metric("tokenmeter-dlq-records-total", "malformed")).isEqualTo(2.0);
    assertThat(driver.rollups()).isEmpty();
  }

  @Test
  void anEventWithANegativeTokenCountIsAnInvalidDeadLetter() {
    LlmCallEvent bad = call(at("10:00:10")).setOutputTokens(-3L).build();
    driver.send(bad);

    List<TestRecord<byte[], byte[]>> dead = driver.deadLetters();
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).value()).isEqualTo(driver.bytes(bad));
    assertThat(header(dead.get(0), DeadLetterHeaders.REASON)).isEqualTo("invalid");
    assertThat(header(dead.get(0), DeadLetterHeaders.ERROR))
        .isEqualTo("io.tokenmeter.rollup.InvalidCallException: output_tokens is negative (-3)");

    driver.send(call(at("10:00:10")).setEventId("").build());
    assertThat(driver.deadLetters())
        .extracting(d -> header(d, DeadLetterHeaders.ERROR))
        .containsExactly(
            "io.tokenmeter.rollup.InvalidCallException: event_id is empty; it is the deduplication key");
  }

  @Test
  void costIsTheSumOfPricedRequestsAndUnpricedOnesAreCountedNotZero() {
    driver.send(call(at("10:00:01")).setInputTokens(1000L).setOutputTokens(100L).build());
    driver.send(call(at("10:00:02")).setInputTokens(10L).setOutputTokens(1L).build());
    driver.send(
        call(at("10:00:03")).setRequestModel("mystery").setResponseModel(null).build());
    driver.send(
        call(at("10:00:04")).setRequestModel("mystery").setResponseModel(null).build());
    closeWindowsBefore(at("10:01:00"));

    Map<String, UsageRollup> byModel = byModel(driver.rollups());
    UsageRollup priced = byModel.get("gpt-4o-2024-08-06");
    assertThat(priced.getCostMicros()).isEqualTo(1000 + 4 * 100 + 10 + 4);
    assertThat(priced.getUnpricedRequests()).isZero();
    assertThat(priced.getPriceTableVersion()).isEqualTo(FakePricing.VERSION);
    UsageRollup unpriced = byModel.get("mystery");
    assertThat(unpriced.getCostMicros()).isNull();
    assertThat(unpriced.getUnpricedRequests()).isEqualTo(2);
  }

  @Test
  void aCallWithoutUsageCountsAsARequestWithoutUsageNotAsZeroTokens() {
    driver.send(call(at("10:00:01")).setInputTokens(null).setOutputTokens(null).build());
    driver.send(call(at("10:00:02"))
        .setInputTokens(7L)
        .setOutputTokens(3L)
        .setCacheReadInputTokens(5L)
        .setCacheCreationInputTokens(2L)
        .setReasoningOutputTokens(1L)
        .build());
    closeWindowsBefore(at("10:01:00"));

    UsageRollup r = byModel(driver.rollups()).get("gpt-4o-2024-08-06");
    assertThat(r.getRequests()).isEqualTo(2);
    assertThat(r.getRequestsWithoutUsage()).isEqualTo(1);
    assertThat(List.of(
            r.getInputTokens(),
            r.getOutputTokens(),
            r.getCacheReadInputTokens(),
            r.getCacheCreationInputTokens(),
            r.getReasoningOutputTokens()))
        .containsExactly(7L, 3L, 5L, 2L, 1L);
  }

  @Test
  void errorsAreCountedByClass() {
    driver.send(
        call(at("10:00:01")).setErrorType("rate_limited").setStatusCode(429).build());
    driver.send(
        call(at("10:00:02")).setErrorType("rate_limited").setStatusCode(429).build());
    driver.send(call(at("10:00:03")).setErrorType("timeout").setStatusCode(null).build());
    driver.send(call(at("10:00:04")).build());
    closeWindowsBefore(at("10:01:00"));

    UsageRollup r = byModel(driver.rollups()).get("gpt-4o-2024-08-06");
    assertThat(r.getRequests()).isEqualTo(4);
    assertThat(r.getErrors()).isEqualTo(3);
    assertThat(r.getErrorsByClass())
        .containsExactlyInAnyOrderEntriesOf(Map.of("rate_limited", 2L, "timeout", 1L));
  }

  @Test
  void latencyQuantilesAreWithinOnePercentOfTheExactOnes() {
    for (int ms = 1; ms <= 1000; ms++) {
      driver.send(
          call(at("10:00:00").plusMillis(ms * 10L)).setDurationMs((long) ms).build());
    }
    closeWindowsBefore(at("10:01:00"));

    UsageRollup r = byModel(driver.rollups()).get("gpt-4o-2024-08-06");
    // Lower quantiles of 1..1000 ms: the value at rank floor(q * (n - 1)).
    assertThat(r.getLatencyP50Ms()).isCloseTo(500, within(5.0));
    assertThat(r.getLatencyP95Ms()).isCloseTo(950, within(9.5));
    assertThat(r.getLatencyP99Ms()).isCloseTo(990, within(9.9));
    DDSketch expected = RollupAggregate.newSketch();
    for (int ms = 1; ms <= 1000; ms++) {
      expected.accept(ms);
    }
    assertThat(r.getLatencySketch()).isEqualTo(expected.serialize());
  }

  @Test
  void peakRateLimitUtilizationIsTheHighestOfRequestsAndTokens() {
    driver.send(call(at("10:00:01"))
        .setRateLimit(Calls.rateLimit(100, 90, 10_000, 5_000))
        .build());
    driver.send(call(at("10:00:02"))
        .setRateLimit(Calls.rateLimit(100, 20, 10_000, 9_000))
        .build());
    driver.send(call(at("10:00:03")).build());
    driver.send(call(at("10:00:04")).setService("no-headers").build());
    closeWindowsBefore(at("10:01:00"));

    List<TestRecord<String, UsageRollup>> out = driver.rollups();
    assertThat(out)
        .filteredOn(r -> r.value().getService().equals("checkout"))
        .extracting(r -> r.value().getPeakRateLimitUtilization())
        .containsExactly(0.8);
    assertThat(out)
        .filteredOn(r -> r.value().getService().equals("no-headers"))
        .extracting(r -> r.value().getPeakRateLimitUtilization())
        .containsOnlyNulls();
  }

  @Test
  void valuesBeyondTheTenantsBudgetFoldIntoOther() {
    driver.close();
    driver = new RollupDriver(
        RollupDriver.rollup(GRACE, Duration.ofHours(1), 10_000, 2, Duration.ofHours(24)),
        new FakePricing(),
        T0);
    driver.send(call(at("10:00:01")).setApiKeyFingerprint("fp-a").build());
    driver.send(call(at("10:00:02")).setApiKeyFingerprint("fp-b").build());
    driver.send(call(at("10:00:03")).setApiKeyFingerprint("fp-c").build());
    driver.send(call(at("10:00:04")).setApiKeyFingerprint("fp-d").build());
    driver.send(call(at("10:00:05")).setApiKeyFingerprint("fp-a").build());
    driver.advanceWallClock(Duration.ofMinutes(5));

    List<TestRecord<String, UsageRollup>> out = driver.rollups();
    assertThat(out)
        .extracting(
            r -> r.value().getApiKeyFingerprint(),
            r -> r.value().getRequests(),
            r -> r.value().getFoldedEvents())
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("__other__", 2L, 2L),
            org.assertj.core.groups.Tuple.tuple("fp-a", 2L, 0L),
            org.assertj.core.groups.Tuple.tuple("fp-b", 1L, 0L));
    assertThat(driver.metric("tokenmeter-folded-events-total", null)).isEqualTo(2.0);
    assertThat(driver.tenantMetric("tokenmeter-folded-events-total", "org-1", "proj-1"))
        .isEqualTo(2.0);
  }

  @Test
  void aMisKeyedRecordStillJoinsTheOneRollupOfItsOrgAndProject() {
    driver.send(call(at("10:00:01")).build());
    driver.send("some-other-key", call(at("10:00:02")).build());
    driver.send(null, call(at("10:00:03")).build());
    closeWindowsBefore(at("10:01:00"));

    List<TestRecord<String, UsageRollup>> out = driver.rollups();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).value().getRequests()).isEqualTo(3);
  }

  @Test
  void aLateMisKeyedRecordIsADeadLetterWithItsOwnKeyAndOrigin() {
    driver.send(call(at("10:00:01")).build());
    closeWindowsBefore(at("10:01:00"));
    driver.rollups();
    LlmCallEvent late = call(at("10:00:30")).build();
    driver.send("wrong", late);

    List<TestRecord<byte[], byte[]>> dead = driver.deadLetters();
    assertThat(dead).hasSize(1);
    assertThat(new String(dead.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("wrong");
    assertThat(dead.get(0).value()).isEqualTo(driver.bytes(late));
    assertThat(header(dead.get(0), DeadLetterHeaders.TOPIC)).isEqualTo(RollupDriver.CALLS);
    assertThat(header(dead.get(0), DeadLetterHeaders.OFFSET)).isEqualTo("2");
  }

  @Test
  void anUnexpectedExceptionDeadLettersTheRecordAndProcessingGoesOn() {
    driver.close();
    FakePricing failsOnBoom = new FakePricing() {
      @Override
      public java.util.OptionalLong costMicros(LlmCallEvent e) {
        if (e.getRequestModel().equals("boom")) {
          throw new IllegalStateException("price table broken for boom");
        }
        return super.costMicros(e);
      }
    };
    driver =
        new RollupDriver(RollupDriver.rollup(GRACE, Duration.ofHours(1), 10_000), failsOnBoom, T0);
    LlmCallEvent boom =
        call(at("10:00:01")).setRequestModel("boom").setResponseModel(null).build();
    driver.send(boom);
    driver.send(call(at("10:00:02")).build());
    closeWindowsBefore(at("10:01:00"));

    List<TestRecord<byte[], byte[]>> dead = driver.deadLetters();
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).value()).isEqualTo(driver.bytes(boom));
    assertThat(header(dead.get(0), DeadLetterHeaders.REASON)).isEqualTo("error");
    assertThat(header(dead.get(0), DeadLetterHeaders.ERROR))
        .isEqualTo("java.lang.IllegalStateException: price table broken for boom");
    assertThat(byModel(driver.rollups()).get("gpt-4o-2024-08-06").getRequests()).isEqualTo(1);
  }

  private static Map<String, UsageRollup> byModel(List<TestRecord<String, UsageRollup>> out) {
    return out.stream()
        .filter(r -> !r.value().getOrgId().equals("clock"))
        .collect(java.util.stream.Collectors.toMap(r -> r.value().getModel(), TestRecord::value));
  }
}
