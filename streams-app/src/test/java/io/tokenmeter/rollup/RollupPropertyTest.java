package io.tokenmeter.rollup;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.UsageRollup;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Whatever the order, duplication and lateness of a trace, the rollups equal what a plain
 * reference computes: each event id counted once, in its minute, unless its window had closed.
 */
class RollupPropertyTest {

  private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
  private static final Duration GRACE = Duration.ofSeconds(90);
  private static final String[] MODELS = {"gpt-4o", "o3-mini"};
  private static final String[] ORGS = {"org-1", "org-2", null};
  private static final String[] SERVICES = {"checkout", "search"};

  /** What the reference counts per window and dimensions. */
  record Totals(
      long requests,
      long errors,
      long inputTokens,
      long outputTokens,
      long withoutUsage,
      Long cost,
      long unpriced) {
    static Totals of(UsageRollup r) {
      return new Totals(
          r.getRequests(),
          r.getErrors(),
          r.getInputTokens(),
          r.getOutputTokens(),
          r.getRequestsWithoutUsage(),
          r.getCostMicros(),
          r.getUnpricedRequests());
    }

    Totals plus(LlmCallEvent e, FakePricing pricing) {
      var price = pricing.costMicros(e);
      return new Totals(
          requests + 1,
          errors + (e.getErrorType() == null ? 0 : 1),
          inputTokens + FakePricing.orZero(e.getInputTokens()),
          outputTokens + FakePricing.orZero(e.getOutputTokens()),
          withoutUsage + (e.getInputTokens() == null || e.getOutputTokens() == null ? 1 : 0),
          price.isPresent() ? Long.valueOf((cost == null ? 0 : cost) + price.getAsLong()) : cost,
          unpriced + (price.isPresent() ? 0 : 1));
    }
  }

  @Property(tries = 25)
  void rollupsEqualAReferenceAggregation(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 120) int events,
      @ForAll @IntRange(min = 0, max = 15) int duplicates,
      @ForAll @IntRange(min = 0, max = 5) int veryLate) {
    Random random = new Random(seed);
    List<LlmCallEvent> arrivals = trace(random, events, duplicates, veryLate);
    FakePricing pricing = new FakePricing();

    Map<String, Totals> expected = reference(arrivals, pricing);

    Map<String, Totals> actual = new TreeMap<>();
    try (RollupDriver driver =
        new RollupDriver(RollupDriver.rollup(GRACE, Duration.ofHours(1), 10_000), pricing, T0)) {
      arrivals.forEach(driver::send);
      driver.advanceWallClock(Duration.ofHours(1));
      for (var r : driver.rollups()) {
        assertThat(actual.put(r.key(), Totals.of(r.value())))
            .as("one final rollup per key")
            .isNull();
      }
    }
    assertThat(actual).isEqualTo(expected);
  }

  /** Events over ~6 minutes, each arriving up to grace/2 after its time, with replays and a few very late ones. */
  private static List<LlmCallEvent> trace(Random random, int n, int duplicates, int veryLate) {
    record Arrival(long at, LlmCallEvent event) {}
    List<Arrival> arrivals = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long t = T0.toEpochMilli() + random.nextInt(6 * 60_000);
      LlmCallEvent.Builder b = Calls.call(Instant.ofEpochMilli(t))
          .setEventId("e" + i)
          .setRequestModel(MODELS[random.nextInt(MODELS.length)])
          .setResponseModel(null)
          .setOrgId(ORGS[random.nextInt(ORGS.length)])
          .setService(SERVICES[random.nextInt(SERVICES.length)])
          .setInputTokens(random.nextInt(5) == 0 ? null : (long) random.nextInt(5000))
          .setOutputTokens(random.nextInt(5) == 0 ? null : (long) random.nextInt(500))
          .setErrorType(random.nextInt(6) == 0 ? "server" : null);
      arrivals.add(new Arrival(t + random.nextInt((int) GRACE.toMillis() / 2), b.build()));
    }
    for (int i = 0; i < duplicates && !arrivals.isEmpty(); i++) {
      Arrival original = arrivals.get(random.nextInt(arrivals.size()));
      arrivals.add(new Arrival(original.at() + random.nextInt(3 * 60_000), original.event()));
    }
    for (int i = 0; i < veryLate; i++) {
      long t = T0.toEpochMilli() + random.nextInt(60_000);
      arrivals.add(new Arrival(
          t + 4 * 60_000 + random.nextInt(60_000),
          Calls.call(Instant.ofEpochMilli(t)).setEventId("late" + i).build()));
    }
    arrivals.sort((a, b) -> Long.compare(a.at(), b.at()));
    return arrivals.stream().map(Arrival::event).toList();
  }

  /** The rules, plainly: late if its window ended grace before the newest counted event; else once per id. */
  private static Map<String, Totals> reference(List<LlmCallEvent> arrivals, FakePricing pricing) {
    Map<String, Totals> totals = new TreeMap<>();
    Set<String> seen = new HashSet<>();
    long newest = Long.MIN_VALUE;
    for (LlmCallEvent e : arrivals) {
      long t = e.getTimestamp().toEpochMilli();
      long windowStart = Math.floorDiv(t, 60_000L) * 60_000L;
      boolean late = newest != Long.MIN_VALUE && windowStart + 60_000L + GRACE.toMillis() <= newest;
      if (late || !seen.add(e.getEventId())) {
        continue;
      }
      newest = Math.max(newest, t);
      String key = RollupKeys.outputKey(windowStart, Dimensions.of(e));
      totals.put(
          key, totals.getOrDefault(key, new Totals(0, 0, 0, 0, 0, null, 0)).plus(e, pricing));
    }
    return totals;
  }
}
