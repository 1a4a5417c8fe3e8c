package io.tokenmeter.alert;

import static io.tokenmeter.rollup.Calls.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.tokenmeter.app.TokenmeterTopology;
import io.tokenmeter.config.AlertSettings;
import io.tokenmeter.rollup.FakePricing;
import io.tokenmeter.rollup.RollupDriver;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.test.TestRecord;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The alerts told as stories through the whole topology: calls go in at explicit times, and the
 * alerts topic holds exactly the state changes, never one alert per call.
 */
class AlertTopologyTest {

  private static final Duration GRACE = Duration.ofMinutes(2);
  private static final Instant T0 = at("10:00:00");

  /** org-rl/proj-1 may make 10 gpt-4o requests a minute; only fp-1 is on the allow-list. */
  private static final AlertSettings SETTINGS = new AlertSettings(
      0.8,
      0.95,
      2,
      List.of(new AlertSettings.RateLimit("org-rl", "proj-1", "gpt-4o", 10L, null)),
      new AlertSettings.ErrorRate(20, 3.0, 0.05, 0.2),
      Set.of("fp-1"));

  private final RollupDriver driver = new RollupDriver(
      RollupDriver.rollup(GRACE, Duration.ofHours(1), 10_000), SETTINGS, new FakePricing(), T0);

  @AfterEach
  void close() {
    driver.close();
  }

  private static Instant at(String hhmmss) {
    return Instant.parse("2026-11-27T" + hhmmss + "Z");
  }

  /** Moves event time to {@code t} with a call that alerts nothing. */
  private void tick(Instant t) {
    driver.send(call(t).setOrgId("clock").setProjectId("tick").build());
  }

  /** A tick at every minute from {@code from} to {@code to}, as steady traffic elsewhere would. */
  private void ticks(String from, String to) {
    for (Instant t = at(from); !t.isAfter(at(to)); t = t.plus(Duration.ofMinutes(1))) {
      tick(t);
    }
  }

  private static Tuple change(String dedupKey, AlertState state, String severity) {
    return tuple(dedupKey, state, severity);
  }

  private List<Tuple> changes() {
    return driver.alerts().stream()
        .map(r -> change(r.key(), r.value().getState(), r.value().getSeverity().toString()))
        .toList();
  }

  @Test
  void rateLimitSurgeFiresOnTheCrossingCallEscalatesOnceStaysQuietAndResolvesAfterCalmMinutes() {
    String key = "rate_limit_requests:org-rl/proj-1:gpt-4o";
    for (int i = 1; i <= 7; i++) {
      driver.send(call(at("10:00:0" + i)).setOrgId("org-rl").build());
    }
    assertThat(driver.alerts()).isEmpty();

    driver.send(call(at("10:00:08")).setOrgId("org-rl").build());
    List<TestRecord<String, Alert>> warning = driver.alerts();
    assertThat(warning).hasSize(1);
    Alert fired = warning.get(0).value();
    assertThat(warning.get(0).key()).isEqualTo(key);
    assertThat(fired.getState()).isEqualTo(AlertState.FIRING);
    assertThat(fired.getSeverity().toString()).isEqualTo("warning");
    assertThat(fired.getAlertType()).isEqualTo("rate_limit_requests");
    assertThat(fired.getObservedValue()).isEqualTo(0.8);
    assertThat(fired.getWindowStart()).isEqualTo(at("10:00:00"));

    driver.send(call(at("10:00:09")).setOrgId("org-rl").build());
    assertThat(driver.alerts()).isEmpty();
    driver.send(call(at("10:00:10")).setOrgId("org-rl").build());
    assertThat(changes()).containsExactly(change(key, AlertState.FIRING, "critical"));

    // Still over the limit, this minute and the next: nothing new.
    for (int i = 11; i <= 20; i++) {
      driver.send(call(at("10:00:" + i)).setOrgId("org-rl").build());
    }
    for (int i = 10; i <= 21; i++) {
      driver.send(call(at("10:01:" + i)).setOrgId("org-rl").build());
    }
    assertThat(driver.alerts()).isEmpty();

    // 10:02 and 10:03 are calm; they are final once event time passes 10:04 + grace.
    tick(at("10:05:00"));
    assertThat(driver.alerts()).isEmpty();
    tick(at("10:06:00"));
    tick(at("10:07:00"));
    assertThat(changes()).containsExactly(change(key, AlertState.RESOLVED, "critical"));
  }

  @Test
  void authErrorsFireUnauthorizedKeyOnceAcrossOrgProjects() {
    for (String org : List.of("org-a", "org-b", "org-a")) {
      driver.send(call(at("10:00:05"))
          .setOrgId(org)
          .setApiKeyFingerprint("fp-1")
          .setStatusCode(401)
          .setErrorType("auth")
          .setResponseModel(null)
          .setInputTokens(null)
          .setOutputTokens(null)
          .build());
    }
    assertThat(changes())
        .containsExactly(change("unauthorized_key:fp-1", AlertState.FIRING, "critical"));
  }

  @Test
  void aKeyOffTheAllowListFiresKeyNotAllowedOnceAndResolvesWhenItStopsCalling() {
    for (int i = 1; i <= 5; i++) {
      driver.send(call(at("10:00:0" + i))
          .setOrgId(i % 2 == 0 ? "org-a" : "org-b")
          .setApiKeyFingerprint("fp-stranger")
          .build());
    }
    driver.send(call(at("10:01:00")).setApiKeyFingerprint("fp-stranger").build());
    assertThat(changes())
        .containsExactly(change("key_not_allowed:fp-stranger", AlertState.FIRING, "error"));

    tick(at("10:06:00"));
    tick(at("10:07:00"));
    assertThat(changes())
        .containsExactly(change("key_not_allowed:fp-stranger", AlertState.RESOLVED, "error"));
  }

  @Test
  void anUnpricedModelFiresOncePerModelNotPerRollupAndResolvesOncePriced() {
    for (String org : List.of("org-a", "org-b", "org-c")) {
      driver.send(call(at("10:00:10"))
          .setOrgId(org)
          .setRequestModel("llama-3")
          .setResponseModel("llama-3")
          .build());
      driver.send(call(at("10:01:10"))
          .setOrgId(org)
          .setRequestModel("llama-3")
          .setResponseModel("llama-3")
          .build());
    }
    tick(at("10:04:00"));
    assertThat(changes())
        .containsExactly(change("unpriced_model:llama-3", AlertState.FIRING, "warning"));

    for (int m = 5; m <= 9; m++) {
      tick(at("10:0" + m + ":00"));
    }
    assertThat(changes())
        .containsExactly(change("unpriced_model:llama-3", AlertState.RESOLVED, "warning"));
  }

  @Test
  void aServerErrorBurstOnOneServiceFiresErrorRateOnceForThatServiceAndResolves() {
    // search: 10 of 20 calls fail with 500. Its org also runs batch, 200 good calls, so the org as
    // a whole stays under 5% and only the service scope fires. Failed calls carry no response
    // model.
    for (int i = 0; i < 20; i++) {
      var search = call(at("10:00:00").plusMillis(i * 100L)).setOrgId("org-2").setService("search");
      if (i % 2 == 0) {
        search.setStatusCode(500).setErrorType("server").setResponseModel(null);
      }
      driver.send(search.build());
    }
    for (int i = 0; i < 200; i++) {
      driver.send(call(at("10:00:30").plusMillis(i * 100L))
          .setOrgId("org-2")
          .setService("batch")
          .build());
    }
    // Each partition sends its part of 10:00 once its event time passes 10:03 (grace); the minute
    // is
    // complete once parts of 10:02 arrive too, so the slowest partition has a minute more.
    ticks("10:01:00", "10:04:00");
    assertThat(driver.alerts()).isEmpty();

    tick(at("10:05:00"));
    List<TestRecord<String, Alert>> fired = driver.alerts();
    assertThat(fired)
        .extracting(
            r -> change(r.key(), r.value().getState(), r.value().getSeverity().toString()))
        .containsExactly(
            change("error_rate:server:gpt-4o:service=search", AlertState.FIRING, "error"));
    Alert alert = fired.get(0).value();
    assertThat(alert.getObservedValue()).isEqualTo(0.5);
    assertThat(alert.getThreshold()).isEqualTo(0.05);
    assertThat(alert.getScope())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("model", "gpt-4o", "service", "search", "error_class", "server"));
    assertThat(alert.getWindowStart()).isEqualTo(at("10:00:00"));

    tick(at("10:06:00"));
    assertThat(driver.alerts()).isEmpty();
    tick(at("10:07:00"));
    assertThat(changes())
        .containsExactly(
            change("error_rate:server:gpt-4o:service=search", AlertState.RESOLVED, "error"));
  }

  @Test
  void aBurstOf429sIsARateLimitedWarningNotAServerOutage() {
    for (int i = 0; i < 20; i++) {
      var chat = call(at("10:00:00").plusMillis(i * 100L)).setOrgId("org-3").setService("chat");
      if (i < 15) {
        chat.setStatusCode(429).setErrorType("rate_limited").setResponseModel(null);
      }
      driver.send(chat.build());
    }
    ticks("10:01:00", "10:05:00");
    assertThat(changes())
        .containsExactlyInAnyOrder(
            change("error_rate:rate_limited:gpt-4o:service=chat", AlertState.FIRING, "warning"),
            change("error_rate:rate_limited:gpt-4o:org_id=org-3", AlertState.FIRING, "warning"));
  }

  @Test
  void whenTrafficStopsTheWallClockClosesTheBurstMinuteAndItsAlertFires() {
    for (int i = 0; i < 20; i++) {
      var search = call(at("10:00:00").plusMillis(i * 100L)).setService("search");
      if (i < 10) {
        search.setStatusCode(503).setErrorType("server").setResponseModel(null);
      }
      driver.send(search.build());
    }
    // The partition closes 10:00 once idle for the grace period; the scope's task waits grace +
    // close-check interval + settle after the minute's end, and a settle without parts.
    for (int s = 0; s < 4 * 60; s += 10) {
      driver.advanceWallClock(Duration.ofSeconds(10));
    }
    assertThat(driver.alerts()).isEmpty();
    for (int s = 0; s < 60; s += 10) {
      driver.advanceWallClock(Duration.ofSeconds(10));
    }
    assertThat(changes())
        .containsExactlyInAnyOrder(
            change("error_rate:server:gpt-4o:service=search", AlertState.FIRING, "error"),
            change("error_rate:server:gpt-4o:org_id=org-1", AlertState.FIRING, "error"));
  }

  @Test
  void theAlertRepartitionsFeedBackIntoTheOneSubTopologyThatWritesTheAlerts() {
    TopologyDescription d =
        TokenmeterTopology.build(driver.config, new FakePricing()).describe();

    assertThat(d.subtopologies()).hasSize(1);
    assertThat(d.toString())
        .contains("Source: alert-keys-repartition-source (topics: [alert-keys-repartition])")
        .contains(
            "Source: alert-error-windows-repartition-source (topics: [alert-error-windows-repartition])")
        .contains(
            "Source: alert-rollups-by-model-repartition-source (topics: [alert-rollups-by-model-repartition])")
        .containsPattern("Processor: count \\(stores: \\[[^]]*" + AlertProcessors.RATE_LIMIT_STORE)
        .contains("Processor: error-rate (stores: [")
        .contains("Sink: alerts (topic: llm.alerts)");
  }

  @Test
  void ordinaryTrafficAlertsNothing() {
    for (int m = 0; m < 6; m++) {
      for (int i = 0; i < 30; i++) {
        driver.send(call(at("10:0" + m + ":00").plusMillis(i * 1000L))
            .setService(i % 2 == 0 ? "a" : "b")
            .build());
      }
    }
    assertThat(driver.alerts()).isEmpty();
  }
}
