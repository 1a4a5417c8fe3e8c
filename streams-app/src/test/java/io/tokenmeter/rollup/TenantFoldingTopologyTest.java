package io.tokenmeter.rollup;

import static io.tokenmeter.rollup.Calls.call;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.alert.DimensionFoldingDetector;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.UsageRollup;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, told as it happened: one org's 60 projects send 66,000 calls, each with a new key
 * fingerprint, before a normal trace of other orgs. The budget is per tenant now, so only the
 * flooding tenants fold, each of them says so once, and the neighbours' rollups are exact.
 */
class TenantFoldingTopologyTest {

  private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
  private static final Duration GRACE = Duration.ofSeconds(10);
  private static final int FLOOD_CALLS = 66_000;
  private static final int FLOOD_PROJECTS = 60;
  private static final int PER_TENANT =
      1000; // the default of rollup.max.distinct.values.per.tenant

  private final RollupDriver driver = new RollupDriver(
      RollupDriver.rollup(GRACE, Duration.ofHours(1), 10_000, PER_TENANT, Duration.ofHours(24)),
      new FakePricing(),
      T0);

  @AfterEach
  void close() {
    driver.close();
  }

  private static Instant at(String hhmmss) {
    return Instant.parse("2026-11-27T" + hhmmss + "Z");
  }

  private static String project(int i) {
    return "proj-%02d".formatted(i);
  }

  /** Lets the wall-clock checks emit what closed windows are still queued (up to 80,000). */
  private void drainClosedWindows() {
    for (int check = 0; check < 4; check++) {
      driver.advanceWallClock(Duration.ofSeconds(1));
    }
  }

  @Test
  void aFloodOfKeysInOneOrgFoldsOnlyItsOwnKeysAndAlertsOncePerFoldingTenant() {
    // 10:00:00-10:00:59: 66,000 calls of org-flood, project i % 60, each with a new fingerprint:
    // 1,100 per project, 100 more than the per-tenant budget.
    List<UsageRollup> rollups = new ArrayList<>();
    for (int i = 0; i < FLOOD_CALLS; i++) {
      Instant t = T0.plusMillis(i * 59_000L / FLOOD_CALLS);
      driver.send(call(t)
          .setOrgId("org-flood")
          .setProjectId(project(i % FLOOD_PROJECTS))
          .setApiKeyFingerprint("%032x".formatted(i))
          .build());
      if (i % 5_000 == 0) {
        driver.discardOtherOutput();
        driver.rollups().forEach(r -> rollups.add(r.value()));
      }
    }

    // 10:01:00-10:03:59: the normal trace, 360 calls of 3 other orgs over a few keys, services and
    // models.
    String[] orgs = {"org-a", "org-b", "org-c"};
    String[] keys = {"fp-a1", "fp-a2", "fp-b1", "fp-c1"};
    String[] services = {"checkout", "search"};
    String[] models = {"gpt-4o", "gpt-4o-mini"};
    Map<String, Long> expected = new TreeMap<>();
    for (int i = 0; i < 360; i++) {
      Instant t = at("10:01:00").plusMillis(i * 500L);
      String org = orgs[i % 3];
      String project = "proj-" + (i / 3 % 2);
      String key = keys[i % 4];
      String service = services[i / 4 % 2];
      String model = models[i / 8 % 2];
      driver.send(call(t)
          .setOrgId(org)
          .setProjectId(project)
          .setApiKeyFingerprint(key)
          .setService(service)
          .setRequestModel(model)
          .setResponseModel(model)
          .build());
      expected.merge(
          Instant.ofEpochSecond(t.getEpochSecond() / 60 * 60) + "|" + model + "|" + org + "|"
              + project + "|" + key + "|" + service,
          1L,
          Long::sum);
    }
    // The flood's minute closed with 60,060 rollups; they go out a few per event and the rest at
    // the wall-clock checks, so let a few seconds pass for them.
    drainClosedWindows();
    // Quiet minutes of one neighbour close every window and let the calm minutes pass.
    for (int minute = 4; minute <= 8; minute++) {
      driver.send(call(at("10:0" + minute + ":30"))
          .setOrgId("org-a")
          .setProjectId("proj-0")
          .setApiKeyFingerprint("fp-a1")
          .build());
    }
    drainClosedWindows();
    driver.rollups().forEach(r -> rollups.add(r.value()));

    Map<String, Long> neighbours = rollups.stream()
        .filter(r -> !r.getOrgId().equals("org-flood"))
        .filter(r -> r.getWindowStart().isBefore(at("10:04:00")))
        .collect(Collectors.toMap(
            r -> r.getWindowStart() + "|" + r.getModel() + "|" + r.getOrgId() + "|"
                + r.getProjectId() + "|" + r.getApiKeyFingerprint() + "|" + r.getService(),
            UsageRollup::getRequests,
            Long::sum,
            TreeMap::new));
    assertThat(expected).hasSize(3 * 48); // each minute has all 48 combinations of the trace
    assertThat(neighbours)
        .as("every neighbour rollup, exact, none under __other__")
        .isEqualTo(expected);
    assertThat(rollups)
        .filteredOn(r -> !r.getOrgId().equals("org-flood"))
        .allSatisfy(r -> assertThat(r.getFoldedEvents()).isZero());

    List<UsageRollup> flood =
        rollups.stream().filter(r -> r.getOrgId().equals("org-flood")).toList();
    assertThat(flood)
        .extracting(UsageRollup::getProjectId)
        .containsOnly(IntStream.range(0, FLOOD_PROJECTS)
            .mapToObj(TenantFoldingTopologyTest::project)
            .toArray(String[]::new));
    assertThat(flood)
        .extracting(UsageRollup::getService, UsageRollup::getModel)
        .containsOnly(org.assertj.core.groups.Tuple.tuple("checkout", "gpt-4o-2024-08-06"));
    List<UsageRollup> floodFolded =
        flood.stream().filter(r -> r.getApiKeyFingerprint().equals("__other__")).toList();
    assertThat(floodFolded).hasSize(FLOOD_PROJECTS).allSatisfy(r -> {
      assertThat(r.getRequests()).isEqualTo(100);
      assertThat(r.getFoldedEvents()).isEqualTo(100);
    });
    assertThat(flood.stream().mapToLong(UsageRollup::getRequests).sum()).isEqualTo(FLOOD_CALLS);
    assertThat(flood).hasSize(FLOOD_PROJECTS * (PER_TENANT + 1));

    assertThat(driver.metric("tokenmeter-folded-events-total", null)).isEqualTo(6_000.0);
    assertThat(driver.tenantsWithMetric("tokenmeter-folded-events-total"))
        .hasSize(FLOOD_PROJECTS)
        .allSatisfy(tenant -> assertThat(tenant).startsWith("org-flood/"));
    assertThat(driver.tenantMetric("tokenmeter-folded-events-total", "org-flood", "proj-07"))
        .isEqualTo(100.0);

    List<Alert> folding = driver.alerts().stream()
        .map(TestRecord::value)
        .filter(a -> a.getAlertType().equals(DimensionFoldingDetector.ALERT_TYPE))
        .toList();
    List<Alert> firing =
        folding.stream().filter(a -> a.getState() == AlertState.FIRING).toList();
    assertThat(firing).hasSize(FLOOD_PROJECTS);
    assertThat(firing)
        .extracting(Alert::getDedupKey)
        .doesNotHaveDuplicates()
        .contains("dimension_folding:org-flood:proj-00", "dimension_folding:org-flood:proj-59");
    assertThat(firing).allSatisfy(a -> {
      assertThat(a.getSeverity()).isEqualTo("warning");
      assertThat(a.getObservedValue()).isEqualTo(100.0);
      assertThat(a.getWindowStart()).isEqualTo(at("10:00:00"));
      assertThat(a.getScope())
          .containsEntry("org_id", "org-flood")
          .containsKeys("project_id")
          .hasSize(2);
      assertThat(a.getDetails()).containsEntry("dimensions", "api_key_fingerprint");
    });
    List<Alert> resolved =
        folding.stream().filter(a -> a.getState() == AlertState.RESOLVED).toList();
    assertThat(resolved).hasSize(FLOOD_PROJECTS);
    assertThat(resolved)
        .extracting(Alert::getDedupKey)
        .containsExactlyInAnyOrderElementsOf(
            firing.stream().map(Alert::getDedupKey).toList());
    assertThat(resolved).allSatisfy(a -> assertThat(a.getWindowEnd()).isEqualTo(at("10:03:00")));
  }

  @Test
  void keyRotationOverMonthsNeverFillsTheBudget() {
    try (RollupDriver small = new RollupDriver(
        RollupDriver.rollup(GRACE, Duration.ofHours(1), 10_000, 3, Duration.ofHours(24)),
        new FakePricing(),
        T0)) {
      // A new key every day for 200 days, each used for a day (with the day's calls): never more
      // than two keys have been seen within 24 hours, so none folds.
      for (int day = 0; day < 200; day++) {
        Instant morning = T0.plus(Duration.ofDays(day));
        for (int hour = 0; hour < 24; hour += 6) {
          small.send(call(morning.plus(Duration.ofHours(hour)))
              .setApiKeyFingerprint("rotated-" + day)
              .build());
        }
        small.advanceWallClock(Duration.ofDays(1)); // events more than 24 h ahead of it are refused
        small.discardOtherOutput();
        small.rollups();
      }
      assertThat(small.metric("tokenmeter-folded-events-total", null)).isZero();
      assertThat(small.alerts())
          .noneMatch(r -> r.value().getAlertType().equals(DimensionFoldingDetector.ALERT_TYPE));
      // The guard's store holds this day's and yesterday's key, the org, the tenant, the model and
      // the service.
      assertThat(small.stateStoreSizes().get(RollupStores.TENANT_VALUES)).isLessThanOrEqualTo(6);
    }
  }
}
