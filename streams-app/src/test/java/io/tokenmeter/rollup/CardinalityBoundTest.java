package io.tokenmeter.rollup;

import static io.tokenmeter.rollup.Calls.call;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.UsageRollup;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Events that each bring an org, a service and an API key fingerprint never seen before: the
 * cardinality guard folds every value past its limit into {@code __other__} and counts the event,
 * and the size of every state store of the topology levels off instead of growing with the
 * input. The stores bounded by time rather than by the guard (the dedup horizon, the open
 * windows, the alert states of scopes calling now, the query retention) are shown to level off
 * once event time has moved past their horizon.
 *
 * <p>50,000 events by default, which take about a minute here: the test driver commits, and so
 * flushes every RocksDB store, after each record. {@code -Dcardinality.events=1000000} runs a
 * million (about 20 minutes on a loaded 2-core machine); the assertions are the same.
 */
class CardinalityBoundTest {

  private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
  private static final int EVENTS = Integer.getInteger("cardinality.events", 50_000);
  private static final int CHECKPOINTS = 10;
  private static final int MAX_DISTINCT = 50;
  private static final Duration GRACE = Duration.ofSeconds(30);
  private static final Duration DEDUP_HORIZON = Duration.ofMinutes(5);
  /**
   * Event time advances by this per event: a thousand new orgs, services and keys a minute, a
   * million events over about 17 hours, past the query retention (6 h) and many dedup horizons.
   */
  private static final long MILLIS_PER_EVENT = 60;

  @Test
  void distinctKeysBeyondTheLimitAreFoldedAndTheStateLevelsOff() {
    List<Map<String, Long>> sizes = new ArrayList<>();
    long counted = 0;
    long folded = 0;
    Map<String, Long> otherServiceRequests = new LinkedHashMap<>();
    try (RollupDriver driver = new RollupDriver(
        RollupDriver.rollup(GRACE, DEDUP_HORIZON, MAX_DISTINCT, MAX_DISTINCT, Duration.ofHours(24)),
        new FakePricing(),
        T0)) {
      for (int i = 0; i < EVENTS; i++) {
        Instant at = T0.plusMillis(i * MILLIS_PER_EVENT);
        LlmCallEvent.Builder event = call(at)
            .setEventId("evt-" + i)
            .setOrgId("org-" + i)
            .setService("svc-" + i)
            .setApiKeyFingerprint(String.format("%032x", i));
        if (i % 10 == 0) {
          event.setRateLimit(
              Calls.rateLimit(100, 1, 1000, 10)); // near its limit: a rate-limit state per scope
        }
        if (i % 50 == 0) {
          event
              .setStatusCode(401)
              .setErrorType("authentication"); // an unauthorized-key state per key
        }
        driver.send(event.build());
        if ((i + 1) % 10_000 == 0) {
          driver.discardOtherOutput();
        }
        if ((i + 1) % (EVENTS / CHECKPOINTS) == 0) {
          // The wall clock keeps pace with event time, as it does in production.
          driver.advanceWallClock(Duration.ofMillis(EVENTS / CHECKPOINTS * MILLIS_PER_EVENT));
          for (var r : driver.rollups()) {
            counted += r.value().getRequests();
            folded += r.value().getFoldedEvents();
            tally(otherServiceRequests, r.value());
          }
          driver.alerts();
          sizes.add(driver.stateStoreSizes());
        }
      }
      driver.advanceWallClock(Duration.ofHours(1));
      for (var r : driver.rollups()) {
        counted += r.value().getRequests();
        folded += r.value().getFoldedEvents();
        tally(otherServiceRequests, r.value());
      }
      assertThat(driver.metric("tokenmeter-folded-events-total", null)).isEqualTo((double) folded);
    }

    assertThat(counted).isEqualTo(EVENTS);
    // The first MAX_DISTINCT orgs keep their names, each a tenant with its own service and key;
    // every later event has its org (and so its tenant) folded. The tenant (__other__, __other__)
    // has a budget of its own: its first MAX_DISTINCT services and keys keep their names.
    assertThat(folded).isEqualTo(EVENTS - MAX_DISTINCT);
    assertThat(otherServiceRequests.get(Dimensions.OTHER)).isEqualTo(EVENTS - 2L * MAX_DISTINCT);

    System.out.println("state store entries at each of " + CHECKPOINTS + " checkpoints of "
        + EVENTS / CHECKPOINTS + " events:");
    sizes
        .get(0)
        .keySet()
        .forEach(store -> System.out.println(
            "  " + store + ": " + sizes.stream().map(s -> s.get(store)).toList()));

    Map<String, Long> last = sizes.get(CHECKPOINTS - 1);
    Map<String, Long> middle = sizes.get(CHECKPOINTS / 2);
    long eventsInDedupHorizon = DEDUP_HORIZON.toMillis() / MILLIS_PER_EVENT;
    // Bounds from the configuration alone, whatever the number of events:
    assertThat(last.get(RollupStores.TENANT_VALUES))
        .as("guard: orgs, tenants and three budgets per tenant")
        .isLessThanOrEqualTo(2 * (MAX_DISTINCT + 1L) + 3L * MAX_DISTINCT * (MAX_DISTINCT + 1L));
    assertThat(last.get(RollupStores.DEDUP))
        .as("dedup: ids of (at most twice, by segment) the horizon")
        .isLessThanOrEqualTo(2 * eventsInDedupHorizon + 2);
    // A batch record per open minute and commit, and the test driver commits after each event;
    // a closed minute's records are deleted.
    long eventsInOpenMinutes = (GRACE.toMillis() + 60_000) / MILLIS_PER_EVENT;
    assertThat(last.get(RollupStores.WINDOWS))
        .as("windows: a batch per commit of the open minutes")
        .isLessThanOrEqualTo(eventsInOpenMinutes + 2);
    assertThat(last.get(RollupStores.CLOCK)).isLessThanOrEqualTo(2L);
    // Levelled off: the second half of the input grew no store but by a bound of time.
    for (String store : last.keySet()) {
      long growth = last.get(store) - middle.get(store);
      long minutesBetween =
          (CHECKPOINTS - 1 - CHECKPOINTS / 2) * (EVENTS / CHECKPOINTS) * MILLIS_PER_EVENT / 60_000;
      assertThat(growth)
          .as(
              "%s grew from %d to %d over the second half",
              store, middle.get(store), last.get(store))
          // The query store keeps each final rollup for query.retention: one folded rollup per
          // minute. The dedup store drops whole segments. Every other store: hardly at all.
          .isLessThanOrEqualTo(
              switch (store) {
                case "query-rollups" -> 2 * minutesBetween;
                case RollupStores.DEDUP -> eventsInDedupHorizon; // a segment more or less
                default -> 100L;
              });
    }
  }

  private static void tally(Map<String, Long> byService, UsageRollup r) {
    byService.merge(r.getService(), r.getRequests(), Long::sum);
  }
}
