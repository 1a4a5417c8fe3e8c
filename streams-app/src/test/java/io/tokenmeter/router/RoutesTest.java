package io.tokenmeter.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.config.RouterSettings.Route;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RoutesTest {

  private static final List<String> BOTH = List.of("pagerduty", "webhook");

  private static Alert alert(String severity, String type, Map<String, String> scope) {
    return TestAlerts.of(type + ":x", AlertState.FIRING, type, severity, scope);
  }

  private static Route route(String receiver, Set<String> severities) {
    return new Route(receiver, severities, Set.of(), Map.of(), false);
  }

  @Test
  void withoutRulesEveryAlertGoesToEveryConfiguredReceiver() {
    Routes routes = new Routes(List.of(), BOTH);

    assertThat(routes.select(alert("info", "unpriced_model", Map.of())))
        .containsExactly("pagerduty", "webhook");
  }

  @Test
  void criticalToPagerDutyAndWarningsToTheWebhook() {
    Routes routes = new Routes(
        List.of(route("pagerduty", Set.of("critical")), route("webhook", Set.of("warning"))), BOTH);

    assertThat(routes.select(alert("critical", "unauthorized_key", Map.of())))
        .containsExactly("pagerduty");
    assertThat(routes.select(alert("warning", "rate_limit_tokens", Map.of())))
        .containsExactly("webhook");
    assertThat(routes.select(alert("error", "error_rate", Map.of())))
        .as("no rule matches")
        .isEmpty();
  }

  @Test
  void theFirstMatchWinsUnlessItContinues() {
    Route anyToWebhook = new Route("webhook", Set.of(), Set.of(), Map.of(), false);
    Alert critical = alert("critical", "error_rate", Map.of());

    assertThat(new Routes(List.of(route("pagerduty", Set.of("critical")), anyToWebhook), BOTH)
            .select(critical))
        .containsExactly("pagerduty");
    Route criticalAndContinue =
        new Route("pagerduty", Set.of("critical"), Set.of(), Map.of(), true);
    assertThat(new Routes(List.of(criticalAndContinue, anyToWebhook), BOTH).select(critical))
        .containsExactly("pagerduty", "webhook");
  }

  @Test
  void alertTypesAndScopeLabelsMustAllMatch() {
    Route org1RateLimits = new Route(
        "pagerduty",
        Set.of(),
        Set.of("rate_limit_requests", "rate_limit_tokens"),
        Map.of("org_id", "org-1"),
        false);
    Routes routes = new Routes(List.of(org1RateLimits), BOTH);

    assertThat(routes.select(
            alert("warning", "rate_limit_tokens", Map.of("org_id", "org-1", "model", "gpt-4o"))))
        .containsExactly("pagerduty");
    assertThat(routes.select(alert("warning", "rate_limit_tokens", Map.of("org_id", "org-2"))))
        .isEmpty();
    assertThat(routes.select(alert("warning", "rate_limit_tokens", Map.of("model", "gpt-4o"))))
        .isEmpty();
    assertThat(routes.select(alert("warning", "error_rate", Map.of("org_id", "org-1"))))
        .isEmpty();
  }

  @Test
  void aReceiverChosenByTwoRulesIsSentTheAlertOnce() {
    Route first = new Route("webhook", Set.of("warning"), Set.of(), Map.of(), true);
    Route second = new Route("webhook", Set.of(), Set.of(), Map.of(), false);

    assertThat(new Routes(List.of(first, second), BOTH)
            .select(alert("warning", "error_rate", Map.of())))
        .containsExactly("webhook");
  }
}
