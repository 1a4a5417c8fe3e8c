package io.tokenmeter.alert;

import static io.tokenmeter.alert.Events.NOW;
import static io.tokenmeter.alert.Events.at;
import static io.tokenmeter.alert.Events.call;
import static io.tokenmeter.alert.Events.headers;
import static io.tokenmeter.alert.Events.settings;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.config.AlertSettings;
import io.tokenmeter.config.AlertSettings.RateLimit;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.LlmCallEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RateLimitDetectorTest {

  private static final RateLimit ORG1_GPT4O_100 =
      new RateLimit("org-1", null, "gpt-4o", 100L, null);

  /** Feeds events in order, like the topology would, and collects every alert. */
  private static final class Run {
    final RateLimitDetector detector;
    RateLimitState state;
    final List<Alert> alerts = new ArrayList<>();

    Run(AlertSettings settings) {
      detector = new RateLimitDetector(settings);
    }

    Run event(LlmCallEvent event) {
      Transition<RateLimitState> t = detector.onEvent(state, event, NOW);
      state = t.state();
      alerts.addAll(t.alerts());
      return this;
    }

    /** {@code n} plain calls spread over minute {@code minute}. */
    Run calls(int minute, int n) {
      for (int i = 0; i < n; i++) {
        event(call(at(minute, i * 59 / Math.max(1, n))).build());
      }
      return this;
    }

    Run time(Instant closedUpTo) {
      Transition<RateLimitState> t = detector.onTime(state, closedUpTo, NOW);
      state = t.state();
      alerts.addAll(t.alerts());
      return this;
    }

    List<Alert> requestAlerts() {
      return alerts.stream()
          .filter(a -> a.getAlertType().equals("rate_limit_requests"))
          .toList();
    }
  }

  @Test
  void firesOnTheEventThatCrossesWarning() {
    Run run = new Run(settings(List.of(ORG1_GPT4O_100), Set.of())).calls(0, 79);
    assertThat(run.alerts).isEmpty();

    run.event(call(at(0, 59)).build());

    assertThat(run.alerts).hasSize(1);
    Alert alert = run.alerts.get(0);
    assertThat(alert.getState()).isEqualTo(AlertState.FIRING);
    assertThat(alert.getAlertType()).isEqualTo("rate_limit_requests");
    assertThat(alert.getSeverity()).isEqualTo("warning");
    assertThat(alert.getDedupKey()).isEqualTo("rate_limit_requests:org-1/proj-a:gpt-4o");
    assertThat(alert.getScope())
        .containsEntry("org_id", "org-1")
        .containsEntry("project_id", "proj-a")
        .containsEntry("model", "gpt-4o");
    assertThat(alert.getObservedValue()).isEqualTo(0.80);
    assertThat(alert.getThreshold()).isEqualTo(0.80);
    assertThat(alert.getWindowStart()).isEqualTo(at(0, 0));
    assertThat(alert.getWindowEnd()).isEqualTo(at(1, 0));
    assertThat(alert.getEmittedAt()).isEqualTo(NOW);
    assertThat(alert.getSummary())
        .isEqualTo("org-1/proj-a gpt-4o at 80% of its 100 requests/min limit (warning ≥ 80%)");
    assertThat(alert.getDetails()).containsEntry("limit_source", "config");
  }

  @Test
  void staysOverThresholdWithoutFiringAgain() {
    Run run = new Run(settings(List.of(ORG1_GPT4O_100), Set.of()))
        .calls(0, 90)
        .calls(1, 90)
        .calls(2, 90);

    assertThat(run.requestAlerts()).hasSize(1);
  }

  @Test
  void escalatesToCriticalUnderTheSameDedupKeyOnce() {
    Run run = new Run(settings(List.of(ORG1_GPT4O_100), Set.of())).calls(0, 99).calls(1, 99);

    assertThat(run.requestAlerts())
        .extracting(Alert::getSeverity)
        .containsExactly("warning", "critical");
    assertThat(run.requestAlerts())
        .extracting(Alert::getDedupKey)
        .containsOnly("rate_limit_requests:org-1/proj-a:gpt-4o");
    assertThat(run.requestAlerts().get(1).getSummary())
        .isEqualTo("org-1/proj-a gpt-4o at 95% of its 100 requests/min limit (critical ≥ 95%)");
  }

  @Test
  void neverDeescalatesOrRefiresWarningAfterCritical() {
    Run run = new Run(settings(List.of(ORG1_GPT4O_100), Set.of()))
        .calls(0, 96)
        .calls(1, 85)
        .calls(2, 96);

    assertThat(run.requestAlerts())
        .extracting(Alert::getSeverity)
        .containsExactly("warning", "critical");
  }

  @Test
  void resolvesAfterExactlyCalmWindowsToResolveMinutes() {
    Run run = new Run(settings(List.of(ORG1_GPT4O_100), Set.of())).calls(0, 85).calls(1, 10);
    assertThat(run.requestAlerts()).hasSize(1);

    run.calls(2, 10); // closes minute 1: one calm minute
    assertThat(run.requestAlerts()).hasSize(1);

    run.calls(3, 10); // closes minute 2: two calm minutes
    assertThat(run.requestAlerts()).hasSize(2);
    Alert resolved = run.requestAlerts().get(1);
    assertThat(resolved.getState()).isEqualTo(AlertState.RESOLVED);
    assertThat(resolved.getSeverity()).isEqualTo("warning");
    assertThat(resolved.getDedupKey()).isEqualTo(run.requestAlerts().get(0).getDedupKey());
    assertThat(resolved.getWindowStart()).isEqualTo(at(1, 0));
    assertThat(resolved.getWindowEnd()).isEqualTo(at(3, 0));
    assertThat(resolved.getObservedValue()).isEqualTo(0.10);
    assertThat(resolved.getSummary())
        .isEqualTo("org-1/proj-a gpt-4o back under 80% of its requests/min limit for 2 minutes (was"
            + " warning)");

    run.calls(4, 10).calls(5, 10);
    assertThat(run.requestAlerts()).hasSize(2);
  }

  @Test
  void calmWindowsToResolveIsConfigurable() {
    AlertSettings threeCalm = new AlertSettings(
        0.80,
        0.95,
        3,
        List.of(ORG1_GPT4O_100),
        new AlertSettings.ErrorRate(20, 3.0, 0.05, 0.2),
        Set.of());
    Run run = new Run(threeCalm).calls(0, 85).calls(1, 10).calls(2, 10).calls(3, 10);
    assertThat(run.requestAlerts()).hasSize(1); // minutes 1 and 2 closed calm

    run.calls(4, 10); // minute 3 closed: third calm minute

    assertThat(run.requestAlerts())
        .extracting(Alert::getState)
        .containsExactly(AlertState.FIRING, AlertState.RESOLVED);
    assertThat(run.requestAlerts().get(1).getWindowStart()).isEqualTo(at(1, 0));
    assertThat(run.requestAlerts().get(1).getWindowEnd()).isEqualTo(at(4, 0));
  }

  @Test
  void quietScopeResolvesWhenTheTopologyClosesMinutes() {
    Run run = new Run(settings(List.of(ORG1_GPT4O_100), Set.of())).calls(0, 85);

    run.time(at(2, 0)); // minute 0 (hot) and minute 1 (empty, calm) closed
    assertThat(run.requestAlerts()).hasSize(1);

    run.time(at(3, 0)); // minute 2 closed: second calm minute
    assertThat(run.requestAlerts()).hasSize(2);
    assertThat(run.requestAlerts().get(1).getState()).isEqualTo(AlertState.RESOLVED);
    assertThat(run.requestAlerts().get(1).getWindowStart()).isEqualTo(at(1, 0));
    assertThat(run.requestAlerts().get(1).getWindowEnd()).isEqualTo(at(3, 0));
  }

  @Test
  void longGapResolvesOnceWithoutReplayingEveryMinute() {
    Run run = new Run(settings(List.of(ORG1_GPT4O_100), Set.of())).calls(0, 85);

    run.time(at(100_000, 0));

    assertThat(run.requestAlerts())
        .extracting(Alert::getState)
        .containsExactly(AlertState.FIRING, AlertState.RESOLVED);
  }

  @Test
  void alternatingNearThresholdMinutesDoNotFlap() {
    Run run = new Run(settings(List.of(ORG1_GPT4O_100), Set.of()));
    for (int minute = 0; minute < 20; minute++) {
      run.calls(minute, minute % 2 == 0 ? 81 : 79);
    }

    assertThat(run.requestAlerts()).hasSize(1);
  }

  @Test
  void headerLimitIsUsedWhenNothingIsConfigured() {
    Run run = new Run(Events.defaults());
    run.event(call(at(0, 0)).setRateLimit(headers(10L, null)).build());
    run.calls(0, 6);
    assertThat(run.requestAlerts()).isEmpty(); // 7 of 10

    run.event(call(at(0, 30)).build()); // 8 of 10

    assertThat(run.requestAlerts()).hasSize(1);
    assertThat(run.requestAlerts().get(0).getSummary())
        .isEqualTo("org-1/proj-a gpt-4o at 80% of its 10 requests/min limit (warning ≥ 80%)");
    assertThat(run.requestAlerts().get(0).getDetails()).containsEntry("limit_source", "header");
  }

  @Test
  void configuredLimitWinsOverHeaderLimit() {
    Run run = new Run(settings(List.of(ORG1_GPT4O_100), Set.of()));
    run.event(call(at(0, 0)).setRateLimit(headers(10L, null)).build());
    run.calls(0, 20);

    assertThat(run.requestAlerts()).isEmpty(); // 21 of 100, though 21 of 10 by the header
  }

  @Test
  void mostSpecificConfiguredLimitWins() {
    RateLimitDetector detector = new RateLimitDetector(settings(
        List.of(
            new RateLimit("org-1", null, null, 1000L, 1L),
            new RateLimit("org-1", "proj-a", null, 500L, null),
            ORG1_GPT4O_100,
            new RateLimit("org-2", null, "gpt-4o", 7L, null)),
        Set.of()));
    RateLimitScope scope = new RateLimitScope("org-1", "proj-a", "gpt-4o");

    assertThat(detector.configuredLimit(scope, RateLimitMetric.REQUESTS)).isEqualTo(100L);
    assertThat(detector.configuredLimit(
            new RateLimitScope("org-1", "proj-a", "o3"), RateLimitMetric.REQUESTS))
        .isEqualTo(500L);
    assertThat(detector.configuredLimit(
            new RateLimitScope("org-1", "", "o3"), RateLimitMetric.REQUESTS))
        .isEqualTo(1000L);
    assertThat(detector.configuredLimit(scope, RateLimitMetric.TOKENS)).isEqualTo(1L);
    assertThat(detector.configuredLimit(
            new RateLimitScope("org-3", "", "o3"), RateLimitMetric.REQUESTS))
        .isNull();
  }

  @Test
  void remainingHeaderBelowTheFractionFiresEvenWhenOurCountIsLow() {
    Run run = new Run(Events.defaults());

    run.event(call(at(0, 0)).setRateLimit(headers(500L, 20L)).build());

    assertThat(run.requestAlerts()).hasSize(1);
    Alert alert = run.requestAlerts().get(0);
    assertThat(alert.getSeverity()).isEqualTo("critical");
    assertThat(alert.getObservedValue()).isEqualTo(0.96);
    assertThat(alert.getSummary())
        .isEqualTo("org-1/proj-a gpt-4o at 96% of its 500 requests/min limit by the provider's"
            + " remaining-requests header (critical ≥ 95%)");
    assertThat(alert.getDetails())
        .containsEntry("basis", "remaining_header")
        .containsEntry("remaining", "20");
  }

  @Test
  void remainingHeaderExactlyAtTheFractionFires() {
    // remaining/limit = 100/500 = 0.2 ≤ 1 − 0.8: the boundary counts, without floating-point loss.
    Run run = new Run(Events.defaults());

    run.event(call(at(0, 0)).setRateLimit(headers(500L, 100L)).build());

    assertThat(run.requestAlerts()).extracting(Alert::getSeverity).containsExactly("warning");
  }

  @Test
  void tokensAreMeteredSeparatelyFromRequests() {
    Run run = new Run(settings(List.of(new RateLimit("org-1", null, null, 1000L, 100L)), Set.of()));

    run.event(call(at(0, 0)).setInputTokens(70L).setOutputTokens(26L).build());

    assertThat(run.alerts).hasSize(1);
    Alert alert = run.alerts.get(0);
    assertThat(alert.getAlertType()).isEqualTo("rate_limit_tokens");
    assertThat(alert.getDedupKey()).isEqualTo("rate_limit_tokens:org-1/proj-a:gpt-4o");
    assertThat(alert.getSeverity()).isEqualTo("critical");
    assertThat(alert.getSummary())
        .isEqualTo("org-1/proj-a gpt-4o at 96% of its 100 tokens/min limit (critical ≥ 95%)");
  }

  @Test
  void minuteCountsStartAgainEachMinute() {
    Run run = new Run(settings(List.of(ORG1_GPT4O_100), Set.of()));
    for (int minute = 0; minute < 10; minute++) {
      run.calls(minute, 50);
    }

    assertThat(run.alerts).isEmpty();
  }

  @Test
  void lateEventForAClosedMinuteIsIgnored() {
    Run run = new Run(settings(List.of(ORG1_GPT4O_100), Set.of())).calls(0, 79).calls(1, 1);

    run.event(call(at(0, 59)).build());

    assertThat(run.alerts).isEmpty();
  }

  @Test
  void noLimitKnownMeansNoAlert() {
    Run run = new Run(Events.defaults()).calls(0, 10_000);

    assertThat(run.alerts).isEmpty();
  }

  @Test
  void stateSurvivesEncodeDecodeMidAlert() {
    Run run = new Run(settings(List.of(ORG1_GPT4O_100), Set.of())).calls(0, 99).calls(1, 10);
    run.event(call(at(1, 30)).setRateLimit(headers(400L, null)).build());

    RateLimitState decoded = RateLimitState.decode(run.state.encode());

    assertThat(decoded).isEqualTo(run.state);
    assertThat(decoded.requests().firing()).isEqualTo(Severity.CRITICAL);
    assertThat(decoded.requests().headerLimit()).isEqualTo(400L);
    assertThat(run.state.encode().length).isLessThan(120);
  }
}
