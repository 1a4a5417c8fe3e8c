package io.tokenmeter.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenmeter.schemas.AlertState;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertmanagerPayloadTest {

  private static JsonNode payload(AlertState state) throws Exception {
    return JsonText.MAPPER.readTree(
        AlertmanagerPayload.json(TestAlerts.rateLimit(state, "warning"), "webhook"));
  }

  @Test
  void firingHasTheAlertmanagerVersion4Shape() throws Exception {
    JsonNode payload = payload(AlertState.FIRING);

    assertThat(payload.get("version").asText()).isEqualTo("4");
    assertThat(payload.get("status").asText()).isEqualTo("firing");
    assertThat(payload.get("receiver").asText()).isEqualTo("webhook");
    assertThat(payload.get("groupKey").asText())
        .isEqualTo("{}:{dedup_key=\"rate_limit_requests:org-1/proj-a:gpt-4o\"}");
    assertThat(payload.get("truncatedAlerts").asInt()).isZero();
    assertThat(payload.get("externalURL").asText()).isEmpty();
    assertThat(payload.get("groupLabels"))
        .isEqualTo(JsonText.MAPPER.valueToTree(
            Map.of("dedup_key", "rate_limit_requests:org-1/proj-a:gpt-4o")));
    Map<String, String> labels = Map.of(
        "alertname",
        "rate_limit_requests",
        "severity",
        "warning",
        "org_id",
        "org-1",
        "project_id",
        "proj-a",
        "model",
        "gpt-4o");
    assertThat(payload.get("commonLabels")).isEqualTo(JsonText.MAPPER.valueToTree(labels));

    assertThat(payload.get("alerts")).hasSize(1);
    JsonNode alert = payload.get("alerts").get(0);
    assertThat(alert.get("status").asText()).isEqualTo("firing");
    assertThat(alert.get("labels")).isEqualTo(JsonText.MAPPER.valueToTree(labels));
    assertThat(alert.get("annotations"))
        .isEqualTo(JsonText.MAPPER.valueToTree(Map.of(
            "summary", "org-1/proj-a gpt-4o at 96% of its 500 requests/min limit (critical >= 95%)",
            "dedup_key", "rate_limit_requests:org-1/proj-a:gpt-4o",
            "observed_value", "0.96",
            "threshold", "0.95",
            "window_start", "2026-11-27T10:10:00Z",
            "window_end", "2026-11-27T10:11:00Z",
            "limit_requests", "500")));
    assertThat(payload.get("commonAnnotations")).isEqualTo(alert.get("annotations"));
    assertThat(alert.get("startsAt").asText()).isEqualTo("2026-11-27T10:10:00Z");
    assertThat(alert.get("endsAt").asText()).isEqualTo("0001-01-01T00:00:00Z");
    assertThat(alert.get("generatorURL").asText()).isEmpty();
    assertThat(alert.get("fingerprint").asText())
        .isEqualTo("rate_limit_requests:org-1/proj-a:gpt-4o");
  }

  @Test
  void resolvedEndsWhenTokenmeterResolvedIt() throws Exception {
    JsonNode payload = payload(AlertState.RESOLVED);

    assertThat(payload.get("status").asText()).isEqualTo("resolved");
    JsonNode alert = payload.get("alerts").get(0);
    assertThat(alert.get("status").asText()).isEqualTo("resolved");
    assertThat(alert.get("endsAt").asText()).isEqualTo("2026-11-27T10:10:31Z");
    assertThat(alert.get("fingerprint").asText())
        .isEqualTo("rate_limit_requests:org-1/proj-a:gpt-4o");
  }
}
