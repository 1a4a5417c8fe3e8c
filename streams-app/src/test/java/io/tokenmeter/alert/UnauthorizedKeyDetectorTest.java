package io.tokenmeter.alert;

import static io.tokenmeter.alert.Events.NOW;
import static io.tokenmeter.alert.Events.at;
import static io.tokenmeter.alert.Events.call;
import static io.tokenmeter.alert.Events.settings;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.config.AlertSettings;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.LlmCallEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class UnauthorizedKeyDetectorTest {

  private static final String FP = "fp-0123456789abcdef";

  private static final class Run {
    final UnauthorizedKeyDetector detector;
    UnauthorizedKeyState state;
    final List<Alert> alerts = new ArrayList<>();

    Run(AlertSettings settings) {
      detector = new UnauthorizedKeyDetector(settings);
    }

    Run event(LlmCallEvent event) {
      Transition<UnauthorizedKeyState> t = detector.onEvent(state, event, NOW);
      state = t.state();
      alerts.addAll(t.alerts());
      return this;
    }

    Run time(Instant closedUpTo) {
      Transition<UnauthorizedKeyState> t = detector.onTime(state, closedUpTo, NOW);
      state = t.state();
      alerts.addAll(t.alerts());
      return this;
    }
  }

  private static LlmCallEvent authError(Instant t) {
    return call(t)
        .setStatusCode(401)
        .setErrorType("auth")
        .setInputTokens(null)
        .setOutputTokens(null)
        .build();
  }

  @Test
  void firstAuthErrorFiresCritical() {
    Run run = new Run(Events.defaults()).event(call(at(0, 0)).build()).event(authError(at(0, 10)));

    assertThat(run.alerts).hasSize(1);
    Alert alert = run.alerts.get(0);
    assertThat(alert.getState()).isEqualTo(AlertState.FIRING);
    assertThat(alert.getAlertType()).isEqualTo("unauthorized_key");
    assertThat(alert.getSeverity()).isEqualTo("critical");
    assertThat(alert.getDedupKey()).isEqualTo("unauthorized_key:" + FP);
    assertThat(alert.getScope())
        .containsExactlyEntriesOf(java.util.Map.of("api_key_fingerprint", FP));
    assertThat(alert.getDetails())
        .containsEntry("api_key_hint", "sk-...abcd")
        .containsEntry("service", "checkout")
        .containsEntry("status_code", "401");
    assertThat(alert.getWindowStart()).isEqualTo(at(0, 0));
    assertThat(alert.getSummary())
        .isEqualTo(
            "Key sk-...abcd (fingerprint fp-0123456789abcdef) rejected with 401 calling gpt-4o from"
                + " service checkout, org org-1/proj-a: revoked, rotated or wrong project?");
  }

  @Test
  void status403WithoutErrorTypeCountsAsAuthError() {
    assertThat(UnauthorizedKeyDetector.isAuthError(
            call(at(0, 0)).setStatusCode(403).build()))
        .isTrue();
    assertThat(UnauthorizedKeyDetector.isAuthError(
            call(at(0, 0)).setStatusCode(429).setErrorType("rate_limited").build()))
        .isFalse();
  }

  @Test
  void repeatedAuthErrorsFireOnce() {
    Run run = new Run(Events.defaults());
    for (int minute = 0; minute < 10; minute++) {
      run.event(authError(at(minute, 5))).event(authError(at(minute, 50)));
    }

    assertThat(run.alerts).hasSize(1);
  }

  @Test
  void resolvesAfterExactlyCalmMinutesWithoutAuthErrors() {
    Run run = new Run(Events.defaults()).event(authError(at(0, 10)));

    run.event(call(at(2, 0)).build()); // minute 1 closed: one calm minute
    assertThat(run.alerts).hasSize(1);

    run.time(at(3, 0)); // minute 2 closed: two calm minutes
    assertThat(run.alerts).hasSize(2);
    Alert resolved = run.alerts.get(1);
    assertThat(resolved.getState()).isEqualTo(AlertState.RESOLVED);
    assertThat(resolved.getDedupKey()).isEqualTo("unauthorized_key:" + FP);
    assertThat(resolved.getSeverity()).isEqualTo("critical");
    assertThat(resolved.getWindowStart()).isEqualTo(at(1, 0));
    assertThat(resolved.getWindowEnd()).isEqualTo(at(3, 0));
    assertThat(resolved.getSummary())
        .isEqualTo(
            "Key sk-...abcd (fingerprint fp-0123456789abcdef): no auth errors for 2 minutes");
    assertThat(run.state).isNull();
  }

  @Test
  void authErrorEveryOtherMinuteDoesNotFlap() {
    Run run = new Run(Events.defaults());
    for (int minute = 0; minute < 20; minute += 2) {
      run.event(authError(at(minute, 0))).event(call(at(minute + 1, 0)).build());
    }

    assertThat(run.alerts).hasSize(1);
  }

  @Test
  void keyNotOnTheAllowListFiresOncePerKey() {
    Run run = new Run(settings(List.of(), Set.of("fp-allowed")));
    for (int i = 0; i < 30; i++) {
      run.event(call(at(0, i)).build());
    }
    Run other = new Run(settings(List.of(), Set.of("fp-allowed")))
        .event(
            call(at(0, 0)).setApiKeyFingerprint("fp-other").setApiKeyHint(null).build());

    assertThat(run.alerts).hasSize(1);
    Alert alert = run.alerts.get(0);
    assertThat(alert.getAlertType()).isEqualTo("key_not_allowed");
    assertThat(alert.getDedupKey()).isEqualTo("key_not_allowed:" + FP);
    assertThat(alert.getSeverity()).isEqualTo("error");
    assertThat(alert.getSummary())
        .isEqualTo(
            "Key sk-...abcd (fingerprint fp-0123456789abcdef) is not on the allow-list but called"
                + " gpt-4o from service checkout, org org-1/proj-a");
    assertThat(other.alerts)
        .extracting(Alert::getDedupKey)
        .containsExactly("key_not_allowed:fp-other");
  }

  @Test
  void keyOnTheAllowListOrNoAllowListIsQuiet() {
    Run listed = new Run(settings(List.of(), Set.of(FP))).event(call(at(0, 0)).build());
    Run noList = new Run(Events.defaults()).event(call(at(0, 0)).build());

    assertThat(listed.alerts).isEmpty();
    assertThat(noList.alerts).isEmpty();
    assertThat(listed.state).isNull();
  }

  @Test
  void unlistedKeyResolvesAfterCalmMinutesWithoutUse() {
    Run run =
        new Run(settings(List.of(), Set.of("fp-allowed"))).event(call(at(0, 0)).build());
    run.event(call(at(1, 0)).build());

    run.time(at(3, 0)); // minute 2 only: one quiet minute
    assertThat(run.alerts).hasSize(1);
    run.time(at(4, 0));

    assertThat(run.alerts)
        .extracting(Alert::getState)
        .containsExactly(AlertState.FIRING, AlertState.RESOLVED);
    assertThat(run.alerts.get(1).getSummary())
        .isEqualTo(
            "Key sk-...abcd (fingerprint fp-0123456789abcdef): not on the allow-list, unused for 2"
                + " minutes");
  }

  @Test
  void eventWithoutFingerprintIsSkipped() {
    Run run = new Run(settings(List.of(), Set.of("fp-allowed")))
        .event(call(at(0, 0))
            .setApiKeyFingerprint(null)
            .setStatusCode(401)
            .setErrorType("auth")
            .build());

    assertThat(run.alerts).isEmpty();
  }

  @Test
  void stateSurvivesEncodeDecode() {
    Run run = new Run(settings(List.of(), Set.of("fp-allowed"))).event(authError(at(0, 0)));
    UnauthorizedKeyState noHint = new UnauthorizedKeyState(FP, null, 5, Long.MIN_VALUE, 4);

    assertThat(UnauthorizedKeyState.decode(run.state.encode())).isEqualTo(run.state);
    assertThat(UnauthorizedKeyState.decode(noHint.encode())).isEqualTo(noHint);
  }
}
