package io.tokenmeter.rollup;

import static io.tokenmeter.rollup.Calls.call;
import static io.tokenmeter.rollup.RollupDriver.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.tokenmeter.config.AlertSettings;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.UsageRollup;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 as stories: a host whose clock runs 30 minutes fast sends one event before normal
 * traffic. It is a {@code future} dead letter, and nothing else changes: every normal event of
 * every tenant counts and every alert still fires. The wall clock moves with the traffic, and the
 * settings are the tightest the loader accepts: grace 10 s, tolerance 10 s (its default).
 */
class SkewedClockTopologyTest {

  private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
  private static final Duration GRACE = Duration.ofSeconds(10);
  private static final Duration TOLERANCE = Duration.ofSeconds(10);
  private static final Duration SKEW = Duration.ofMinutes(30);

  private RollupDriver driver = driver(RollupDriver.DEFAULT_ALERTS);
  /** The driver's wall clock, which the stories move. */
  private Instant now = T0;

  private static RollupDriver driver(AlertSettings alerts) {
    return new RollupDriver(
        RollupDriver.rollup(GRACE, Duration.ofHours(1), 10_000, TOLERANCE),
        alerts,
        new FakePricing(),
        T0);
  }

  @AfterEach
  void close() {
    driver.close();
  }

  private void advanceTo(Instant t) {
    if (t.isAfter(now)) {
      driver.advanceWallClock(Duration.between(now, t));
      now = t;
    }
  }

  /** Sends {@code event} once the wall clock has reached its time, as a host with a correct clock would. */
  private void sendOnTime(LlmCallEvent event) {
    advanceTo(event.getTimestamp());
    driver.send(event);
  }

  /** Lets every window close: the wall clock runs on, a second at a time, with no traffic. */
  private void idleFor(Duration d) {
    Instant until = now.plus(d);
    while (now.isBefore(until)) {
      advanceTo(now.plusSeconds(1));
    }
  }

  private void sendSkewedEventFor(String org, String project) {
    driver.send(call(now.plus(SKEW)).setOrgId(org).setProjectId(project).build());
  }

  @Test
  void oneEventFromASkewedClockCostsOnlyItself() {
    sendSkewedEventFor("org-a", "proj-a");

    // 3,000 calls over three minutes, one every 60 ms, from four org/projects that share the
    // partition with the skewed host, org-a/proj-a among them.
    List<String[]> tenants = List.of(
        new String[] {"org-a", "proj-a"}, new String[] {"org-a", "proj-b"},
        new String[] {"org-b", "proj-a"}, new String[] {"org-c", "proj-c"});
    Map<String, long[]> expected = new TreeMap<>();
    for (int i = 0; i < 3_000; i++) {
      String[] tenant = tenants.get(i % tenants.size());
      long input = 1 + i % 7;
      long output = i % 5;
      sendOnTime(call(T0.plusMillis(60L * i))
          .setOrgId(tenant[0])
          .setProjectId(tenant[1])
          .setInputTokens(input)
          .setOutputTokens(output)
          .build());
      long[] sums = expected.computeIfAbsent(tenant[0] + "/" + tenant[1], k -> new long[3]);
      sums[0]++;
      sums[1] += input;
      sums[2] += output;
    }
    idleFor(Duration.ofMinutes(1));

    List<TestRecord<byte[], byte[]>> dead = driver.deadLetters();
    assertThat(dead).extracting(d -> header(d, DeadLetterHeaders.REASON)).containsExactly("future");
    assertThat(header(dead.get(0), DeadLetterHeaders.ERROR))
        .contains(
            "2026-11-27T10:30:00Z", "wall clock (2026-11-27T10:00:00Z)", "rollup.future.tolerance");
    assertThat(driver.metric("tokenmeter-dlq-records-total", "future")).isEqualTo(1.0);
    assertThat(driver.metric("tokenmeter-dlq-records-total", "late")).isZero();
    assertThat(driver.metric("tokenmeter-late-events-total", null)).isZero();

    List<TestRecord<String, UsageRollup>> rollups = driver.rollups();
    assertThat(rollups)
        .extracting(r -> r.value().getWindowStart())
        .containsOnly(T0, T0.plus(Duration.ofMinutes(1)), T0.plus(Duration.ofMinutes(2)));
    Map<String, long[]> counted = new TreeMap<>();
    for (TestRecord<String, UsageRollup> r : rollups) {
      UsageRollup u = r.value();
      long[] sums =
          counted.computeIfAbsent(u.getOrgId() + "/" + u.getProjectId(), k -> new long[3]);
      sums[0] += u.getRequests();
      sums[1] += u.getInputTokens();
      sums[2] += u.getOutputTokens();
    }
    assertThat(counted).containsOnlyKeys(expected.keySet());
    expected.forEach(
        (tenant, sums) -> assertThat(counted.get(tenant)).as(tenant).containsExactly(sums));
    assertThat(counted.values().stream().mapToLong(s -> s[0]).sum()).isEqualTo(3_000);
  }

  @Test
  void anEventWithinTheToleranceCountsAndOneJustBeyondIsFuture() {
    driver.send(call(now.plus(TOLERANCE)).setService("within").build());
    driver.send(call(now.plus(TOLERANCE).plusMillis(1)).setService("beyond").build());
    idleFor(Duration.ofMinutes(2));

    assertThat(driver.rollups())
        .extracting(r -> r.value().getService(), r -> r.value().getRequests())
        .containsExactly(tuple("within", 1L));
    assertThat(driver.deadLetters())
        .extracting(d -> header(d, DeadLetterHeaders.REASON))
        .containsExactly("future");
  }

  @Test
  void anEventFromASkewedClockDisturbsNoAlert() {
    driver.close();
    // org-rl/proj-1 may make 10 gpt-4o requests a minute.
    driver = driver(new AlertSettings(
        0.8,
        0.95,
        2,
        List.of(new AlertSettings.RateLimit("org-rl", "proj-1", "gpt-4o", 10L, null)),
        new AlertSettings.ErrorRate(20, 3.0, 0.05, 0.2),
        Set.of()));
    sendSkewedEventFor("org-1", "proj-1");

    // 10:00: search (org-1's only service) fails 10 of its 20 calls, and org-rl makes 9 of its 10
    // requests.
    for (int i = 0; i < 20; i++) {
      var search = call(T0.plusMillis(i * 100L)).setService("search");
      if (i % 2 == 0) {
        search.setStatusCode(500).setErrorType("server").setResponseModel(null);
      }
      sendOnTime(search.build());
    }
    for (int i = 0; i < 9; i++) {
      sendOnTime(call(T0.plusSeconds(10 + i)).setOrgId("org-rl").build());
    }
    // Then steady, healthy traffic elsewhere, one call every 10 s, until 10:05.
    for (Instant t = T0.plusSeconds(30);
        t.isBefore(T0.plus(Duration.ofMinutes(5)));
        t = t.plusSeconds(10)) {
      sendOnTime(call(t).setService("batch").setOrgId("org-2").build());
    }

    assertThat(driver.alerts())
        .extracting(SkewedClockTopologyTest::change)
        .containsExactlyInAnyOrder(
            tuple("rate_limit_requests:org-rl/proj-1:gpt-4o", AlertState.FIRING, "warning"),
            tuple("error_rate:server:gpt-4o:service=search", AlertState.FIRING, "error"),
            tuple("error_rate:server:gpt-4o:org_id=org-1", AlertState.FIRING, "error"),
            // org-rl is quiet from 10:01: two calm minutes, closed by the event time of the others.
            tuple("rate_limit_requests:org-rl/proj-1:gpt-4o", AlertState.RESOLVED, "warning"));
    assertThat(driver.deadLetters())
        .extracting(d -> header(d, DeadLetterHeaders.REASON))
        .containsExactly("future");
  }

  private static org.assertj.core.groups.Tuple change(TestRecord<String, Alert> r) {
    return tuple(r.key(), r.value().getState(), r.value().getSeverity().toString());
  }
}
