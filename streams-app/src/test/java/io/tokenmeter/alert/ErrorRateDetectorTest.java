package io.tokenmeter.alert;

import static io.tokenmeter.alert.Events.NOW;
import static io.tokenmeter.alert.Events.at;
import static io.tokenmeter.alert.Events.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.UsageRollup;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ErrorRateDetectorTest {

  private static final ErrorRateScope CHECKOUT = ErrorRateScope.forService("gpt-4o", "checkout");

  /** Feeds one window per minute, like the topology would, and collects every alert. */
  private static final class Run {
    final ErrorRateDetector detector = new ErrorRateDetector(Events.defaults());
    ErrorRateState state;
    int minute;
    final List<Alert> alerts = new ArrayList<>();

    /** The next minute's window: {@code requests} requests, with errors per class. */
    Run window(long requests, Object... classAndCount) {
      Map<ErrorClass, Long> errors = new EnumMap<>(ErrorClass.class);
      for (int i = 0; i < classAndCount.length; i += 2) {
        errors.put((ErrorClass) classAndCount[i], ((Number) classAndCount[i + 1]).longValue());
      }
      ErrorWindow window = new ErrorWindow(at(minute, 0), at(minute + 1, 0), requests, errors);
      minute++;
      Transition<ErrorRateState> t = detector.onWindowClosed(state, CHECKOUT, window, NOW);
      state = t.state();
      alerts.addAll(t.alerts());
      return this;
    }

    Run baseline(int windows) {
      for (int i = 0; i < windows; i++) {
        window(100, ErrorClass.SERVER, 1, ErrorClass.RATE_LIMITED, 1);
      }
      return this;
    }
  }

  @Test
  void serverErrorSpikeOverBaselineFires() {
    Run run = new Run().baseline(10);
    assertThat(run.alerts).isEmpty();

    run.window(100, ErrorClass.SERVER, 12);

    assertThat(run.alerts).hasSize(1);
    Alert alert = run.alerts.get(0);
    assertThat(alert.getState()).isEqualTo(AlertState.FIRING);
    assertThat(alert.getAlertType()).isEqualTo("error_rate");
    assertThat(alert.getSeverity()).isEqualTo("error");
    assertThat(alert.getDedupKey()).isEqualTo("error_rate:server:gpt-4o:service=checkout");
    assertThat(alert.getScope())
        .containsEntry("model", "gpt-4o")
        .containsEntry("service", "checkout")
        .containsEntry("error_class", "server");
    assertThat(alert.getObservedValue()).isEqualTo(0.12);
    assertThat(alert.getThreshold()).isEqualTo(0.05); // max(1% × 3, 5%)
    assertThat(alert.getWindowStart()).isEqualTo(at(10, 0));
    assertThat(alert.getWindowEnd()).isEqualTo(at(11, 0));
    assertThat(alert.getSummary())
        .isEqualTo(
            "gpt-4o from service checkout: 12.0% server errors (5xx) (12 of 100 requests) in the"
                + " minute from 10:10 UTC, over 5.0% (baseline 1.0%)");
  }

  @Test
  void spikeFactorOverAHighBaselineSetsTheThreshold() {
    Run run = new Run();
    for (int i = 0; i < 30; i++) {
      run.window(100, ErrorClass.TIMEOUT, 4);
    }
    ErrorRateState steady = run.state;

    run.window(100, ErrorClass.TIMEOUT, 11); // over 5% but under 4% × 3
    assertThat(run.alerts).isEmpty();

    run.state = steady;
    run.window(100, ErrorClass.TIMEOUT, 13);
    assertThat(run.alerts)
        .extracting(Alert::getDedupKey)
        .containsExactly("error_rate:timeout:gpt-4o:service=checkout");
    assertThat(run.alerts.get(0).getThreshold()).isCloseTo(0.12, offset(1e-9));
  }

  @Test
  void windowsUnderMinRequestsNeverFire() {
    Run run = new Run().baseline(5).window(19, ErrorClass.SERVER, 19);

    assertThat(run.alerts).isEmpty();
  }

  @Test
  void rateLimitedErrorsDoNotLookLikeAProviderOutage() {
    Run run = new Run().baseline(10).window(100, ErrorClass.RATE_LIMITED, 60, ErrorClass.SERVER, 1);

    assertThat(run.alerts).hasSize(1);
    Alert alert = run.alerts.get(0);
    assertThat(alert.getDedupKey()).isEqualTo("error_rate:rate_limited:gpt-4o:service=checkout");
    assertThat(alert.getScope()).containsEntry("error_class", "rate_limited");
    assertThat(alert.getSeverity()).isEqualTo("warning");
    assertThat(alert.getSummary()).contains("rate-limit errors (429)");
  }

  @Test
  void serverAndRateLimitedSpikesAreSeparateAlerts() {
    Run run =
        new Run().baseline(10).window(100, ErrorClass.RATE_LIMITED, 30, ErrorClass.SERVER, 30);

    assertThat(run.alerts)
        .extracting(a -> a.getScope().get("error_class"))
        .containsExactlyInAnyOrder("rate_limited", "server");
  }

  @Test
  void sustainedSpikeFiresOnceAndResolvesAfterExactlyCalmWindows() {
    Run run = new Run().baseline(10);
    for (int i = 0; i < 5; i++) {
      run.window(100, ErrorClass.SERVER, 40);
    }
    assertThat(run.alerts).hasSize(1);

    run.window(100, ErrorClass.SERVER, 1);
    assertThat(run.alerts).hasSize(1);

    run.window(100, ErrorClass.SERVER, 1);
    assertThat(run.alerts).hasSize(2);
    Alert resolved = run.alerts.get(1);
    assertThat(resolved.getState()).isEqualTo(AlertState.RESOLVED);
    assertThat(resolved.getDedupKey()).isEqualTo(run.alerts.get(0).getDedupKey());
    assertThat(resolved.getSeverity()).isEqualTo("error");
    assertThat(resolved.getWindowStart()).isEqualTo(at(15, 0));
    assertThat(resolved.getWindowEnd()).isEqualTo(at(17, 0));
    assertThat(resolved.getSummary())
        .isEqualTo(
            "gpt-4o from service checkout: server errors (5xx) back under 5.0% for 2 minutes");
  }

  @Test
  void baselineIsNotPollutedByTheSpike() {
    Run run = new Run().baseline(10);
    double before = run.state.classes().get(ErrorClass.SERVER).baseline();

    for (int i = 0; i < 50; i++) {
      run.window(100, ErrorClass.SERVER, 50);
    }

    assertThat(run.state.classes().get(ErrorClass.SERVER).baseline()).isEqualTo(before);
    assertThat(run.alerts).hasSize(1);
  }

  @Test
  void alternatingSpikyWindowsDoNotFlap() {
    Run run = new Run().baseline(10);
    for (int i = 0; i < 20; i++) {
      run.window(100, ErrorClass.SERVER, i % 2 == 0 ? 6 : 4);
    }

    assertThat(run.alerts).hasSize(1);
    assertThat(run.alerts.get(0).getState()).isEqualTo(AlertState.FIRING);
  }

  @Test
  void quietScopeResolvesWhenTheTopologyClosesWindows() {
    Run run = new Run().baseline(10).window(100, ErrorClass.SERVER, 40); // window 10, fires

    Transition<ErrorRateState> t =
        run.detector.onTime(run.state, at(12, 0), NOW); // window 11 empty
    assertThat(t.alerts()).isEmpty();
    t = run.detector.onTime(t.state(), at(13, 0), NOW); // window 12 empty: second calm window

    assertThat(t.alerts()).hasSize(1);
    assertThat(t.alerts().get(0).getState()).isEqualTo(AlertState.RESOLVED);
    assertThat(t.alerts().get(0).getWindowStart()).isEqualTo(at(11, 0));
    assertThat(t.alerts().get(0).getWindowEnd()).isEqualTo(at(13, 0));
  }

  @Test
  void gapBetweenWindowsCountsAsCalm() {
    Run run = new Run().baseline(10).window(100, ErrorClass.SERVER, 40);
    run.minute += 5;

    run.window(100, ErrorClass.SERVER, 40);

    assertThat(run.alerts)
        .extracting(Alert::getState)
        .containsExactly(AlertState.FIRING, AlertState.RESOLVED, AlertState.FIRING);
  }

  @Test
  void windowAlreadyCountedIsIgnored() {
    Run run = new Run().baseline(3);
    ErrorWindow stale = new ErrorWindow(at(1, 0), at(2, 0), 100, Map.of(ErrorClass.SERVER, 90L));

    Transition<ErrorRateState> t = run.detector.onWindowClosed(run.state, CHECKOUT, stale, NOW);

    assertThat(t.alerts()).isEmpty();
    assertThat(t.state()).isEqualTo(run.state);
  }

  @Test
  void orgScopeHasItsOwnDedupKey() {
    ErrorRateScope org = ErrorRateScope.forOrg("gpt-4o", "org-1");

    assertThat(ErrorRateDetector.dedupKey(org, ErrorClass.SERVER))
        .isEqualTo("error_rate:server:gpt-4o:org_id=org-1");
    assertThat(ErrorRateScope.of(call(at(0, 0)).build())).containsExactly(CHECKOUT, org);
  }

  @Test
  void windowsAreBuiltFromEventsAndRollups() {
    ErrorWindow fromEvents = ErrorWindow.empty(at(0, 0), at(1, 0))
        .plus(call(at(0, 1)).build())
        .plus(call(at(0, 2)).setStatusCode(429).setErrorType("rate_limited").build())
        .plus(call(at(0, 3)).setStatusCode(404).setErrorType("not_found").build());
    UsageRollup rollup = UsageRollup.newBuilder()
        .setWindowStart(at(0, 0))
        .setWindowEnd(at(1, 0))
        .setModel("gpt-4o")
        .setOrgId("org-1")
        .setProjectId("proj-a")
        .setApiKeyFingerprint("fp")
        .setService("checkout")
        .setRequests(10)
        .setErrors(4)
        .setErrorsByClass(Map.of("server", 2L, "timeout", 1L, "brand_new", 1L))
        .setInputTokens(0)
        .setOutputTokens(0)
        .setCacheReadInputTokens(0)
        .setCacheCreationInputTokens(0)
        .setReasoningOutputTokens(0)
        .setRequestsWithoutUsage(0)
        .build();

    ErrorWindow sum = fromEvents.plus(ErrorWindow.of(rollup));

    assertThat(sum.requests()).isEqualTo(13);
    assertThat(sum.errors())
        .containsEntry(ErrorClass.RATE_LIMITED, 1L)
        .containsEntry(ErrorClass.CLIENT, 1L)
        .containsEntry(ErrorClass.SERVER, 2L)
        .containsEntry(ErrorClass.TIMEOUT, 1L)
        .containsEntry(ErrorClass.OTHER, 1L);
  }

  @Test
  void scopeWithoutEnoughTrafficForABaselineKeepsNoState() {
    Run run = new Run().window(5, ErrorClass.SERVER, 1);

    assertThat(run.state).isNull();
  }

  @Test
  void stateSurvivesEncodeDecodeMidAlert() {
    Run run =
        new Run().baseline(10).window(100, ErrorClass.SERVER, 40).window(100, ErrorClass.SERVER, 1);

    ErrorRateState decoded = ErrorRateState.decode(run.state.encode());

    assertThat(decoded).isEqualTo(run.state);
    assertThat(decoded.classes().get(ErrorClass.SERVER).firing()).isEqualTo(Severity.ERROR);
    assertThat(decoded.classes().get(ErrorClass.SERVER).calmWindows()).isEqualTo(1);
    assertThat(decoded.classes().get(ErrorClass.TIMEOUT).baseline()).isZero();
  }
}
