package io.tokenmeter.query;

import static io.tokenmeter.query.Rollups.rollup;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenmeter.config.HttpSettings;
import io.tokenmeter.http.HttpService;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.UsageRollup;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The query API on a real port: the JSON shapes of docs/query-api.md. */
class QueryEndpointsHttpTest {

  private static final long NOW = Rollups.T0.plusSeconds(600).toEpochMilli();
  private final HttpClient client = HttpClient.newHttpClient();
  private volatile boolean unavailable;
  private HttpService service;

  private final List<UsageRollup> rollups = List.of(
      rollup(0).setLatencySketch(Rollups.sketch(100, 200, 300).serialize()).build(),
      rollup(1)
          .setModel("gpt-4o-mini")
          .setApiKeyFingerprint("fp-2")
          .setApiKeyHint("sk-...wxyz")
          .setCostMicros(null)
          .setUnpricedRequests(10)
          .setPeakRateLimitUtilization(0.5)
          .build(),
      rollup(2).setOrgId("org-2").setCostMicros(9_000L).build());

  private final List<Alert> alerts = List.of(
      QueryStoresTopologyTest.alert("rl:old", AlertState.FIRING, "warning", 10),
      QueryStoresTopologyTest.alert("rl:new", AlertState.FIRING, "critical", 20));

  @BeforeEach
  void start() {
    StateSource state = new StateSource() {
      @Override
      public List<UsageRollup> rollups(RollupQuery q) {
        if (unavailable) {
          throw new UnavailableException("rebalancing", null);
        }
        return rollups.stream().filter(q::matches).toList();
      }

      @Override
      public List<Alert> openAlerts() {
        return alerts;
      }
    };
    QueryEndpoints endpoints = new QueryEndpoints(
        state,
        state,
        Clock.fixed(java.time.Instant.ofEpochMilli(NOW), ZoneOffset.UTC),
        Duration.ofHours(6));
    service = HttpService.start(new HttpSettings(true, "127.0.0.1", 0), endpoints.handlers());
  }

  @AfterEach
  void stop() {
    service.close();
  }

  @Test
  void seriesGivesPointsPerGroupAndMinute() throws Exception {
    JsonNode body = getOk("/api/v1/series?metric=requests&group_by=model&last=1h");
    assertThat(body.path("metric").asText()).isEqualTo("requests");
    assertThat(body.path("group_by").asText()).isEqualTo("model");
    assertThat(body.path("from").asLong()).isEqualTo(NOW - 3_600_000);
    assertThat(body.path("to").asLong()).isEqualTo(NOW);
    assertThat(body.path("step_ms").asLong()).isEqualTo(60_000);
    assertThat(body.path("series")).hasSize(2);
    JsonNode first = body.path("series").get(0);
    assertThat(first.path("group").asText()).isEqualTo("gpt-4o");
    assertThat(first.path("points").toString())
        .isEqualTo("[[" + Rollups.T0.toEpochMilli() + ",10],["
            + (Rollups.T0.toEpochMilli() + 120_000) + ",10]]");

    JsonNode cost = getOk("/api/v1/series?metric=cost_micros");
    assertThat(cost.path("series").get(0).path("group").asText()).isEqualTo("all");
    assertThat(cost.path("series").get(0).path("points").get(1).get(1).isNull()).isTrue();
    JsonNode p95 = getOk("/api/v1/series?metric=latency_p95_ms&org=org-1&project=proj-1");
    assertThat(p95.path("series").get(0).path("points").get(0).get(1).asDouble())
        .isEqualTo(Rollups.sketch(100, 200, 300).getValueAtQuantile(0.95));
  }

  @Test
  void topGivesRowsWithTheKeyHintSortedByCostNullsLast() throws Exception {
    JsonNode body = getOk("/api/v1/top?by=cost&group=key&n=5");
    assertThat(body.path("by").asText()).isEqualTo("cost");
    assertThat(body.path("group").asText()).isEqualTo("key");
    JsonNode rows = body.path("rows");
    assertThat(rows).hasSize(2);
    JsonNode top = rows.get(0);
    assertThat(top.path("group").asText()).isEqualTo("fp-1");
    assertThat(top.path("hint").asText()).isEqualTo("sk-...abcd");
    assertThat(top.path("requests").asLong()).isEqualTo(20);
    assertThat(top.path("errors").asLong()).isEqualTo(2);
    assertThat(top.path("input_tokens").asLong()).isEqualTo(2000);
    assertThat(top.path("output_tokens").asLong()).isEqualTo(200);
    assertThat(top.path("tokens").asLong()).isEqualTo(2200);
    assertThat(top.path("cost_micros").isIntegralNumber()).isTrue();
    assertThat(top.path("cost_micros").asLong()).isEqualTo(9_500);
    assertThat(top.path("unpriced_requests").asLong()).isZero();
    assertThat(rows.get(1).path("cost_micros").isNull()).isTrue();

    JsonNode byModel = getOk("/api/v1/top?group=model");
    assertThat(byModel.path("rows").get(0).has("hint")).isFalse();
  }

  @Test
  void rollupsCarryTheAvroFieldNamesWithoutTheSketch() throws Exception {
    JsonNode body = getOk("/api/v1/rollups?org=org-1");
    JsonNode rows = body.path("rollups");
    assertThat(rows).hasSize(2);
    JsonNode first = rows.get(0);
    assertThat(first.path("window_start").asLong()).isEqualTo(Rollups.T0.toEpochMilli());
    assertThat(first.path("window_end").asLong()).isEqualTo(Rollups.T0.toEpochMilli() + 60_000);
    assertThat(first.path("org_id").asText()).isEqualTo("org-1");
    assertThat(first.path("api_key_fingerprint").asText()).isEqualTo("fp-1");
    assertThat(first.path("errors_by_class").path("rate_limit").asLong()).isEqualTo(1);
    assertThat(first.has("latency_sketch")).isFalse();
    assertThat(first.has("latency_p95_ms")).isTrue();
  }

  @Test
  void alertsAreTheFiringOnesNewestFirst() throws Exception {
    JsonNode body = getOk("/api/v1/alerts");
    JsonNode newest = body.path("alerts").get(0);
    assertThat(body.path("alerts")).hasSize(2);
    assertThat(newest.path("dedup_key").asText()).isEqualTo("rl:new");
    assertThat(newest.path("alert_type").asText()).isEqualTo("rate_limit_requests");
    assertThat(newest.path("severity").asText()).isEqualTo("critical");
    assertThat(newest.path("scope").path("org_id").asText()).isEqualTo("org-1");
    assertThat(newest.path("observed_value").asDouble()).isEqualTo(0.9);
    assertThat(newest.path("threshold").asDouble()).isEqualTo(0.8);
    assertThat(newest.path("window_start").asLong()).isEqualTo(Rollups.T0.toEpochMilli());
    assertThat(newest.path("since").asLong())
        .isEqualTo(Rollups.T0.plusSeconds(20).toEpochMilli());
  }

  @Test
  void aBadParameterIsA400NamingIt() throws Exception {
    for (Map.Entry<String, String> bad : Map.of(
            "/api/v1/series?metric=bogus", "metric",
            "/api/v1/series", "metric",
            "/api/v1/series?metric=requests&group_by=region", "group_by",
            "/api/v1/top?n=0", "n",
            "/api/v1/top?by=money", "by",
            "/api/v1/top?last=2x", "last",
            "/api/v1/rollups?last=1d", "last",
            "/api/v1/rollups?limit=5", "limit",
            "/api/v1/alerts?org=o", "org")
        .entrySet()) {
      HttpResponse<String> r = get(bad.getKey());
      assertThat(r.statusCode()).as(bad.getKey()).isEqualTo(400);
      JsonNode body = QueryJson.MAPPER.readTree(r.body());
      assertThat(body.path("parameter").asText()).as(bad.getKey()).isEqualTo(bad.getValue());
      assertThat(body.path("error").asText()).isNotBlank();
    }
    assertThat(get("/api/v1/nothing").statusCode()).isEqualTo(404);
  }

  @Test
  void unreadableStateIsA503WithRetryAfter() throws Exception {
    unavailable = true;
    HttpResponse<String> r = get("/api/v1/top");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.headers().firstValue("Retry-After")).contains("1");
  }

  @Test
  void theInternalEndpointHandsOverRawRowsThatDecodeToTheSameRollups() throws Exception {
    JsonNode body = getOk(
        "/internal/v1/rollups?from=" + Rollups.T0.toEpochMilli() + "&to=" + NOW + "&org=org-1");
    assertThat(body.path("rollups")).hasSize(2);
    UsageRollup first = RollupCodec.rollup(
        Base64.getDecoder().decode(body.path("rollups").get(0).asText()));
    assertThat(List.of(rollups.get(0), rollups.get(1))).contains(first);
  }

  private JsonNode getOk(String path) throws Exception {
    HttpResponse<String> r = get(path);
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
    return QueryJson.MAPPER.readTree(r.body());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + path))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
