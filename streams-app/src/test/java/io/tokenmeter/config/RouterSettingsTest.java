package io.tokenmeter.config;

import static io.tokenmeter.config.ConfigFixtures.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RouterSettingsTest {

  private static final String ROUTING_KEY = "R0UTINGKEYhunter2abcdef0123456789";

  @Test
  void defaultsAreADisabledRouterWithoutReceivers() {
    RouterSettings router = TokenmeterConfig.defaults().router();

    assertThat(router.enabled()).isFalse();
    assertThat(router.groupId()).isEqualTo("tokenmeter-router");
    assertThat(router.deadLetterTopic()).isEqualTo("llm.alerts.dlq");
    assertThat(router.receivers()).isEmpty();
    assertThat(router.retry())
        .isEqualTo(new RouterSettings.Retry(Duration.ofSeconds(1), Duration.ofMinutes(2)));
    assertThat(router.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(router.routes()).isEmpty();
  }

  @Test
  void routingKeyComesFromItsEnvironmentVariableAndRoutesFromTheFile() {
    TokenmeterConfig config = ConfigLoader.create()
        .env(Map.of(
            "TOKENMETER_ROUTER_PAGERDUTY_ROUTING_KEY", ROUTING_KEY,
            "TOKENMETER_ROUTER_WEBHOOK_URL", "http://127.0.0.1:9000/hook",
            "TOKENMETER_ROUTER_ROUTE_2_SCOPE_ORG_ID", "org-1"))
        .override("router.route.1.receiver", "PagerDuty")
        .override("router.route.1.severities", "critical")
        .override("router.route.2.receiver", "webhook")
        .override("router.route.2.severities", "warning, error")
        .override("router.route.2.alert.types", "rate_limit_requests,rate_limit_tokens")
        .override("router.route.2.continue", "true")
        .load();

    RouterSettings router = config.router();
    assertThat(router.pagerDuty())
        .get()
        .extracting(RouterSettings.PagerDuty::routingKey)
        .isEqualTo(ROUTING_KEY);
    assertThat(router.pagerDuty())
        .get()
        .extracting(RouterSettings.PagerDuty::url)
        .isEqualTo(URI.create("https://events.pagerduty.com/v2/enqueue"));
    assertThat(router.webhook())
        .get()
        .extracting(RouterSettings.Webhook::url)
        .isEqualTo(URI.create("http://127.0.0.1:9000/hook"));
    assertThat(router.receivers()).containsExactly("pagerduty", "webhook");
    assertThat(router.routes())
        .containsExactly(
            new RouterSettings.Route("pagerduty", Set.of("critical"), Set.of(), Map.of(), false),
            // The environment variable's ORG_ID reads back as org.id; scope labels take it as
            // org_id.
            new RouterSettings.Route(
                "webhook",
                Set.of("warning", "error"),
                Set.of("rate_limit_requests", "rate_limit_tokens"),
                Map.of("org_id", "org-1"),
                true));
  }

  @Test
  void aRouteToPagerDutyWithoutARoutingKeyNamesBothKeys() {
    ConfigException e = failure(ConfigLoader.create()
        .override("router.webhook.url", "https://hooks.example.com/x")
        .override("router.route.1.receiver", "pagerduty"));

    assertThat(e.problems())
        .singleElement()
        .asString()
        .contains("router.route.1.receiver = 'pagerduty'")
        .contains("router.pagerduty.routing.key (TOKENMETER_ROUTER_PAGERDUTY_ROUTING_KEY)");
  }

  @Test
  void badRouterValuesAreEachReportedWithTheirKey() {
    ConfigException e = failure(ConfigLoader.create()
        .override("router.webhook.url", "ftp://hooks.example.com/x")
        .override("router.pagerduty.url", "events.pagerduty.com")
        .override("router.retry.initial.backoff", "1000")
        .override("router.route.1.receiver", "slack")
        .override("router.route.2.severities", "critical,fatal")
        .override("router.route.3.reciever", "webhook"));

    assertThat(String.join("\n", e.problems()))
        .contains("'ftp://hooks.example.com/x' for router.webhook.url")
        .contains("'events.pagerduty.com' for router.pagerduty.url")
        .contains("for router.retry.initial.backoff")
        .contains(
            "'slack' for router.route.1.receiver (override of router.route.1.receiver): expected one of pagerduty, webhook")
        .contains("'fatal' is not a severity")
        .contains("router.route.2.receiver is required")
        .contains("unknown configuration key 'router.route.3.reciever'")
        .contains("did you mean 'router.route.3.receiver'");
  }

  @Test
  void maxBackoffBelowInitialBackoffIsAnError() {
    ConfigException e = failure(ConfigLoader.create()
        .override("router.retry.initial.backoff", "10s")
        .override("router.retry.max.backoff", "5s"));

    assertThat(e.problems())
        .singleElement()
        .asString()
        .contains("router.retry.max.backoff = '5s'")
        .contains("must be at least router.retry.initial.backoff = '10s'");
  }

  @Test
  void anEnabledRouterNeedsAReceiver() {
    ConfigException e = failure(ConfigLoader.create().override("router.enabled", "true"));

    assertThat(e.problems())
        .singleElement()
        .asString()
        .contains("router.enabled = 'true'")
        .contains("no receiver is configured")
        .contains("TOKENMETER_ROUTER_PAGERDUTY_ROUTING_KEY")
        .contains("router.webhook.url");
  }

  @Test
  void theRouterDeadLetterTopicMustNotBeTheAlertsTopic() {
    ConfigException e =
        failure(ConfigLoader.create().override("router.dead.letter.topic", "llm.alerts"));

    assertThat(e.problems())
        .singleElement()
        .asString()
        .contains("topics.alerts = 'llm.alerts'")
        .contains("topics.alerts.dead.letter = 'llm.alerts' (override of router.dead.letter.topic)")
        .contains("name the same topic");
  }

  @Test
  void describeAndToStringNeverShowTheRoutingKeyOrTheWebhookCredentials() {
    TokenmeterConfig config = ConfigLoader.create()
        .env(Map.of(
            "TOKENMETER_ROUTER_PAGERDUTY_ROUTING_KEY", ROUTING_KEY,
            "TOKENMETER_ROUTER_WEBHOOK_URL",
                "https://svc:hunter2-url@hooks.example.com:8443/T0/hunter2-path?sig=hunter2-sig",
            "TOKENMETER_ROUTER_WEBHOOK_AUTHORIZATION", "Bearer hunter2-bearer"))
        .load();

    assertThat(config.describe())
        .contains("router.pagerduty.routing.key = [redacted]")
        .contains("router.webhook.url = https://hooks.example.com:8443/[redacted]")
        .contains("router.webhook.authorization = [redacted]")
        .doesNotContain("hunter2");
    assertThat(config.toString()).contains("routingKey=[redacted]").doesNotContain("hunter2");
  }

  @Test
  void aBadRoutingKeyValueIsNeverRepeatedInTheError() {
    ConfigException e = failure(ConfigLoader.create()
        .override("router.pagerduty.routing.key", ROUTING_KEY)
        .override("router.retry.max.backoff", "1ms"));

    assertThat(e.getMessage()).doesNotContain("hunter2");
  }

  @Test
  void describedRouterLoadsBackToTheSameConfiguration() {
    TokenmeterConfig custom = ConfigLoader.create()
        .override("router.pagerduty.routing.key", ROUTING_KEY)
        .override("router.pagerduty.source", "prod-eu")
        .override("router.webhook.url", "http://127.0.0.1:9000/hook")
        .override("router.webhook.authorization", "Bearer x")
        .override("router.retry.initial.backoff", "250ms")
        .override("router.route.1.receiver", "pagerduty")
        .override("router.route.1.severities", "critical,error")
        .override("router.route.1.continue", "true")
        .override("router.route.7.receiver", "webhook")
        .override("router.route.7.scope.model", "gpt-4o")
        .load();

    ConfigLoader again = ConfigLoader.create();
    ConfigDescription.toProperties(custom, false).forEach(again::override);

    assertThat(again.load()).isEqualTo(custom);
    assertThat(custom.router().pagerDuty().map(RouterSettings.PagerDuty::source))
        .isEqualTo(Optional.of("prod-eu"));
  }
}
