package io.tokenmeter.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PagerDutyEventTest {

  private static JsonNode event(Alert alert) throws Exception {
    return JsonText.MAPPER.readTree(PagerDutyEvent.json(alert, "rk-0123456789", "tokenmeter-prod"));
  }

  @Test
  void firingIsATriggerWithEveryPayloadField() throws Exception {
    JsonNode event = event(TestAlerts.rateLimit(AlertState.FIRING, "critical"));

    assertThat(event.get("routing_key").asText()).isEqualTo("rk-0123456789");
    assertThat(event.get("event_action").asText()).isEqualTo("trigger");
    assertThat(event.get("dedup_key").asText())
        .isEqualTo("rate_limit_requests:org-1/proj-a:gpt-4o");
    JsonNode payload = event.get("payload");
    assertThat(payload.get("summary").asText())
        .isEqualTo("org-1/proj-a gpt-4o at 96% of its 500 requests/min limit (critical >= 95%)");
    assertThat(payload.get("source").asText()).isEqualTo("tokenmeter-prod");
    assertThat(payload.get("severity").asText()).isEqualTo("critical");
    assertThat(payload.get("timestamp").asText()).isEqualTo("2026-11-27T10:10:31Z");
    assertThat(payload.get("component").asText()).isEqualTo("gpt-4o");
    assertThat(payload.get("group").asText()).isEqualTo("org-1/proj-a");
    assertThat(payload.get("class").asText()).isEqualTo("rate_limit_requests");
    JsonNode details = payload.get("custom_details");
    assertThat(details.get("state").asText()).isEqualTo("FIRING");
    assertThat(details.get("scope"))
        .isEqualTo(JsonText.MAPPER.valueToTree(
            Map.of("org_id", "org-1", "project_id", "proj-a", "model", "gpt-4o")));
    assertThat(details.get("observed_value").asDouble()).isEqualTo(0.96);
    assertThat(details.get("threshold").asDouble()).isEqualTo(0.95);
    assertThat(details.get("window_start").asText()).isEqualTo("2026-11-27T10:10:00Z");
    assertThat(details.get("window_end").asText()).isEqualTo("2026-11-27T10:11:00Z");
    assertThat(details.get("details").get("limit_requests").asText()).isEqualTo("500");
  }

  @Test
  void resolvedIsAResolveUnderTheSameDedupKey() throws Exception {
    JsonNode event = event(TestAlerts.rateLimit(AlertState.RESOLVED, "critical"));

    assertThat(event.get("event_action").asText()).isEqualTo("resolve");
    assertThat(event.get("dedup_key").asText())
        .isEqualTo("rate_limit_requests:org-1/proj-a:gpt-4o");
    assertThat(event.get("payload").get("custom_details").get("state").asText())
        .isEqualTo("RESOLVED");
  }

  @Test
  void longSummaryAndDedupKeyAreCutToPagerDutysLimits() throws Exception {
    Alert alert = TestAlerts.rateLimit(AlertState.FIRING, "warning");
    alert.setSummary("s".repeat(5000));
    String longKey = "unpriced_model:" + "m".repeat(400);
    alert.setDedupKey(longKey);
    Alert other = TestAlerts.rateLimit(AlertState.FIRING, "warning");
    other.setDedupKey(longKey + "x");

    JsonNode event = event(alert);

    assertThat(event.get("payload").get("summary").asText()).hasSize(1024).endsWith("\u2026");
    String dedupKey = event.get("dedup_key").asText();
    assertThat(dedupKey)
        .hasSize(255)
        .startsWith("unpriced_model:mmm")
        .containsPattern("#[0-9a-f]{16}$");
    assertThat(event(other).get("dedup_key").asText())
        .as("two long keys stay distinct")
        .isNotEqualTo(dedupKey);
    assertThat(event(alert).get("dedup_key").asText()).as("and stable").isEqualTo(dedupKey);
  }

  @Test
  void severitiesMapOntoPagerDutysFourAndUnknownOnesBecomeError() {
    assertThat(PagerDutyEvent.severity("critical")).isEqualTo("critical");
    assertThat(PagerDutyEvent.severity("ERROR")).isEqualTo("error");
    assertThat(PagerDutyEvent.severity("warning")).isEqualTo("warning");
    assertThat(PagerDutyEvent.severity("info")).isEqualTo("info");
    assertThat(PagerDutyEvent.severity("disaster")).isEqualTo("error");
  }

  @Test
  void groupIsTheServiceWhenThereIsNoOrgAndComponentIsAbsentWithoutAModel() throws Exception {
    Alert alert = TestAlerts.of(
        "unauthorized_key:abc",
        AlertState.FIRING,
        "unauthorized_key",
        "critical",
        Map.of("api_key_fingerprint", "abc", "service", "checkout"));

    JsonNode payload = event(alert).get("payload");

    assertThat(payload.get("group").asText()).isEqualTo("checkout");
    assertThat(payload.has("component")).isFalse();
    assertThat(payload.get("custom_details").has("observed_value")).isFalse();
  }
}
