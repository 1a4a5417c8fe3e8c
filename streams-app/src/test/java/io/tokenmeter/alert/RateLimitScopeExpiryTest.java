package io.tokenmeter.alert;

import static io.tokenmeter.alert.Events.NOW;
import static io.tokenmeter.alert.Events.at;
import static io.tokenmeter.alert.Events.call;
import static io.tokenmeter.alert.Events.settings;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.config.AlertSettings;
import io.tokenmeter.config.AlertSettings.RateLimit;
import io.tokenmeter.schemas.AlertState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The rate-limit store holds the scopes that call now: a scope is forgotten once a whole closed
 * minute passed without a call while none of its alerts is open. Regression: every org/project
 * and model ever seen kept its state for good, so distinct orgs grew the store without bound.
 */
class RateLimitScopeExpiryTest {

  private static final AlertSettings LIMIT_100 =
      settings(List.of(new RateLimit("org-1", null, "gpt-4o", 100L, null)), Set.of());

  private final RateLimitDetector detector = new RateLimitDetector(LIMIT_100);
  private final List<io.tokenmeter.schemas.Alert> alerts = new ArrayList<>();
  private RateLimitState state;

  @Test
  void aQuietScopeIsForgottenAfterAClosedMinuteWithoutCalls() {
    calls(0, 10);

    time(at(1, 0));
    assertThat(state).as("minute 0 had calls").isNotNull();

    time(at(2, 0));
    assertThat(state).as("minute 1 closed without a call").isNull();
    assertThat(alerts).isEmpty();
  }

  @Test
  void aScopeWithAnOpenAlertIsKeptUntilItResolves() {
    calls(0, 90);
    assertThat(alerts).extracting(a -> a.getState()).containsExactly(AlertState.FIRING);

    time(at(2, 0));
    assertThat(state).as("still firing").isNotNull();

    for (int minute = 3; minute < 10 && state != null; minute++) {
      time(at(minute, 0));
    }
    assertThat(alerts)
        .extracting(a -> a.getState())
        .containsExactly(AlertState.FIRING, AlertState.RESOLVED);
    assertThat(state).as("resolved, then forgotten").isNull();
  }

  private void calls(int minute, int n) {
    for (int i = 0; i < n; i++) {
      var t = detector.onEvent(state, call(at(minute, i * 59 / n)).build(), NOW);
      state = t.state();
      alerts.addAll(t.alerts());
    }
  }

  private void time(Instant closedUpTo) {
    var t = detector.onTime(state, closedUpTo, NOW);
    state = t.state();
    alerts.addAll(t.alerts());
  }
}
