package io.tokenmeter.alert;

import static io.tokenmeter.alert.Events.NOW;
import static io.tokenmeter.alert.Events.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.UsageRollup;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnpricedModelDetectorTest {

  private static final class Run {
    final UnpricedModelDetector detector = new UnpricedModelDetector(Events.defaults());
    UnpricedModelState state;
    final List<Alert> alerts = new ArrayList<>();

    Run window(int minute, long unpriced) {
      Transition<UnpricedModelState> t =
          detector.onWindowClosed(state, "gpt-5-preview", at(minute, 0), unpriced, NOW);
      state = t.state();
      alerts.addAll(t.alerts());
      return this;
    }

    Run rollup(int minute, long unpriced) {
      Transition<UnpricedModelState> t = detector.onRollup(state, rollupOf(minute, unpriced), NOW);
      state = t.state();
      alerts.addAll(t.alerts());
      return this;
    }
  }

  private static UsageRollup rollupOf(int minute, long unpriced) {
    return UsageRollup.newBuilder()
        .setWindowStart(at(minute, 0))
        .setWindowEnd(at(minute + 1, 0))
        .setModel("gpt-5-preview")
        .setOrgId("org-1")
        .setProjectId("")
        .setApiKeyFingerprint("fp")
        .setService("checkout")
        .setRequests(unpriced)
        .setErrors(0)
        .setInputTokens(0)
        .setOutputTokens(0)
        .setCacheReadInputTokens(0)
        .setCacheCreationInputTokens(0)
        .setReasoningOutputTokens(0)
        .setRequestsWithoutUsage(0)
        .setUnpricedRequests(unpriced)
        .build();
  }

  @Test
  void firstUnpricedWindowFiresAWarning() {
    Run run = new Run().window(3, 42);

    assertThat(run.alerts).hasSize(1);
    Alert alert = run.alerts.get(0);
    assertThat(alert.getState()).isEqualTo(AlertState.FIRING);
    assertThat(alert.getAlertType()).isEqualTo("unpriced_model");
    assertThat(alert.getSeverity()).isEqualTo("warning");
    assertThat(alert.getDedupKey()).isEqualTo("unpriced_model:gpt-5-preview");
    assertThat(alert.getScope()).containsEntry("model", "gpt-5-preview");
    assertThat(alert.getObservedValue()).isEqualTo(42.0);
    assertThat(alert.getWindowStart()).isEqualTo(at(3, 0));
    assertThat(alert.getWindowEnd()).isEqualTo(at(4, 0));
    assertThat(alert.getSummary())
        .isEqualTo(
            "Model gpt-5-preview has no price: 42 requests in the minute from 10:03 UTC have no"
                + " cost; add it to the price table");
  }

  @Test
  void unpricedEveryWindowFiresOnce() {
    Run run = new Run();
    for (int minute = 0; minute < 30; minute++) {
      run.window(minute, 5);
    }

    assertThat(run.alerts).hasSize(1);
  }

  @Test
  void resolvesAfterExactlyCalmWindowsWithoutUnpricedRequests() {
    Run run = new Run().window(0, 5).window(1, 0);
    assertThat(run.alerts).hasSize(1);

    run.window(2, 0);

    assertThat(run.alerts).hasSize(2);
    Alert resolved = run.alerts.get(1);
    assertThat(resolved.getState()).isEqualTo(AlertState.RESOLVED);
    assertThat(resolved.getDedupKey()).isEqualTo("unpriced_model:gpt-5-preview");
    assertThat(resolved.getWindowStart()).isEqualTo(at(1, 0));
    assertThat(resolved.getWindowEnd()).isEqualTo(at(3, 0));
    assertThat(resolved.getSummary())
        .isEqualTo(
            "Model gpt-5-preview has had no unpriced requests for 2 minutes (5 were uncosted while"
                + " open)");
    assertThat(run.state).isNull();
  }

  @Test
  void unpricedEveryOtherWindowDoesNotFlap() {
    Run run = new Run();
    for (int minute = 0; minute < 20; minute++) {
      run.window(minute, minute % 2 == 0 ? 1 : 0);
    }

    assertThat(run.alerts).hasSize(1);
  }

  @Test
  void modelThatStopsBeingUsedResolvesOnTime() {
    Run run = new Run().window(0, 5);

    Transition<UnpricedModelState> t = run.detector.onTime(run.state, at(2, 0), NOW);
    assertThat(t.alerts()).isEmpty();
    t = run.detector.onTime(t.state(), at(3, 0), NOW);

    assertThat(t.alerts()).extracting(Alert::getState).containsExactly(AlertState.RESOLVED);
    assertThat(t.state()).isNull();
  }

  @Test
  void rollupsOfOneWindowArriveInAnyOrderWithoutAPrematureResolve() {
    Run run = new Run().rollup(0, 5).rollup(1, 0).rollup(2, 0).rollup(2, 3);

    assertThat(run.alerts).hasSize(1);
    run.rollup(3, 0).rollup(4, 0).rollup(5, 0);

    assertThat(run.alerts)
        .extracting(Alert::getState)
        .containsExactly(AlertState.FIRING, AlertState.RESOLVED);
    assertThat(run.alerts.get(1).getWindowStart()).isEqualTo(at(3, 0));
  }

  @Test
  void stateSurvivesEncodeDecode() {
    Run run = new Run().window(0, 5).window(1, 0);

    assertThat(UnpricedModelState.decode(run.state.encode())).isEqualTo(run.state);
  }
}
