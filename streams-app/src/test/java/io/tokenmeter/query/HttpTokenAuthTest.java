package io.tokenmeter.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenmeter.config.HttpSettings;
import io.tokenmeter.config.TokenmeterConfig;
import io.tokenmeter.dashboard.DashboardEndpoint;
import io.tokenmeter.http.Health;
import io.tokenmeter.http.HealthEndpoint;
import io.tokenmeter.http.HttpService;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.UsageRollup;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code http.auth.token} on the real JDK server on port 0 of 127.0.0.1, with the handlers the app
 * registers (health, query API, internal peer endpoints, dashboard), asked by a real HTTP client.
 */
class HttpTokenAuthTest {

  private static final long NOW = Rollups.T0.plusSeconds(600).toEpochMilli();
  private static final List<String> PROTECTED = List.of(
      "/api/v1/alerts",
      "/api/v1/top?last=1h",
      "/internal/v1/alerts",
      "/",
      "/dashboard/dashboard.js",
      "/no-such-page");

  private final String token = "tm-" + UUID.randomUUID();
  private final HttpClient client = HttpClient.newHttpClient();
  private HttpService service;

  @AfterEach
  void stop() {
    if (service != null) {
      service.close();
    }
  }

  @Test
  void withoutATokenConfiguredEveryEndpointIsOpenAsBefore() throws Exception {
    start(new HttpSettings(true, "127.0.0.1", 0));

    assertThat(get("/api/v1/alerts", null).statusCode()).isEqualTo(200);
    assertThat(get("/internal/v1/alerts", null).statusCode()).isEqualTo(200);
    assertThat(get("/", null).statusCode()).isEqualTo(200);
    assertThat(get("/health", null).statusCode()).isEqualTo(200);
  }

  @Test
  void withATokenEveryEndpointButHealthRefusesARequestWithoutCredentials() throws Exception {
    start(new HttpSettings(true, "127.0.0.1", 0).withAuthToken(token));

    for (String path : PROTECTED) {
      HttpResponse<String> r = get(path, null);
      assertThat(r.statusCode()).as(path).isEqualTo(401);
      assertThat(r.headers().allValues("WWW-Authenticate"))
          .as(path)
          .containsExactly("Basic realm=\"tokenmeter\", charset=\"UTF-8\"");
      assertThat(r.headers().firstValue("Content-Type")).as(path).hasValue("application/json");
      assertThat(r.body())
          .as(path)
          .contains("authentication required")
          .doesNotContain("\"alerts\"");
    }
    HttpResponse<String> health = get("/health", null);
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).contains("\"UP\"");
  }

  @Test
  void aWrongTokenIsRefusedAsBearerAndAsBasicAndTheAnswerNeverRepeatsIt() throws Exception {
    start(new HttpSettings(true, "127.0.0.1", 0).withAuthToken(token));
    String wrong = "sk-proj-" + UUID.randomUUID().toString().replace("-", "");
    List<String> attempts = List.of(
        "Bearer " + wrong,
        "Bearer " + token + "x",
        "Bearer " + token.substring(0, token.length() - 1),
        "Bearer",
        "Basic " + basic("admin", wrong),
        // The token as the user name is not the token as the password.
        "Basic " + basic(token, ""),
        "Basic " + token,
        "Token " + token);

    for (String path : PROTECTED) {
      for (String authorization : attempts) {
        HttpResponse<String> r = get(path, authorization);
        String what = path + " with attempt " + attempts.indexOf(authorization);
        assertThat(r.statusCode()).as(what).isEqualTo(401);
        // Checked as booleans: AssertJ would quote the answer, and with it the key, if they failed.
        String headers = r.headers().map().toString();
        String wrongBase64 =
            Base64.getEncoder().encodeToString(wrong.getBytes(StandardCharsets.UTF_8));
        assertThat(r.body().contains(wrong)
                || r.body().contains(token)
                || r.body().contains(wrongBase64))
            .as(what + ": the body repeats what was sent")
            .isFalse();
        assertThat(headers.contains(wrong) || headers.contains(token))
            .as(what + ": a header repeats what was sent")
            .isFalse();
      }
    }
  }

  @Test
  void theRightTokenOpensTheQueryApiAndTheDashboardAsBearerOrAsBasicPasswordWithAnyUser()
      throws Exception {
    start(new HttpSettings(true, "127.0.0.1", 0).withAuthToken(token));

    for (String authorization : List.of(
        "Bearer " + token,
        "bearer " + token,
        "Basic " + basic("", token),
        "Basic " + basic("dashboard-user", token),
        "BASIC " + basic("x", token))) {
      HttpResponse<String> alerts = get("/api/v1/alerts", authorization);
      assertThat(alerts.statusCode()).isEqualTo(200);
      assertThat(alerts.body()).contains("rl:new");
      assertThat(get("/api/v1/top?last=1h", authorization).statusCode()).isEqualTo(200);
      assertThat(get("/internal/v1/alerts", authorization).statusCode()).isEqualTo(200);
      HttpResponse<String> page = get("/", authorization);
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("<title>Tokenmeter</title>");
      assertThat(get("/dashboard/dashboard.js", authorization).statusCode()).isEqualTo(200);
      // Authenticated, the usual answers come back: a bad parameter is still a 400, a missing page
      // a 404.
      assertThat(get("/api/v1/top?n=0", authorization).statusCode()).isEqualTo(400);
      assertThat(get("/no-such-page", authorization).statusCode()).isEqualTo(404);
    }
  }

  @Test
  void anotherInstanceIsAskedWithTheSharedTokenAndRefusedWithoutIt() throws Exception {
    start(new HttpSettings(true, "127.0.0.1", 0).withAuthToken(token));
    HostInfo peer = new HostInfo("127.0.0.1", service.port());

    List<Alert> open = new PeerClient(Duration.ofSeconds(5), Optional.of(token))
        .openAlerts(peer)
        .get(30, TimeUnit.SECONDS);
    assertThat(open)
        .extracting(a -> a.getDedupKey().toString())
        .containsExactlyInAnyOrder("rl:old", "rl:new");

    assertThatThrownBy(() -> new PeerClient(Duration.ofSeconds(5), Optional.empty())
            .openAlerts(peer)
            .join())
        .isInstanceOf(CompletionException.class)
        .cause()
        .isInstanceOf(StateSource.UnavailableException.class)
        .hasMessageContaining("http.auth.token");
  }

  @Test
  void theDefaultConfigurationBindsLoopbackWithoutAToken() {
    HttpSettings defaults = TokenmeterConfig.defaults().http();
    assertThat(defaults.host()).isEqualTo("127.0.0.1");
    assertThat(defaults.authToken()).isEmpty();

    start(new HttpSettings(
        defaults.enabled(), defaults.host(), 0, defaults.advertisedUrl(), defaults.authToken()));
    assertThat(service.address().getAddress().isLoopbackAddress()).isTrue();
  }

  @Test
  void theSettingsNeverPrintTheToken() {
    assertThat(new HttpSettings(true, "127.0.0.1", 0).withAuthToken(token).toString())
        .doesNotContain(token)
        .contains("authToken=Optional[[redacted]]");
  }

  private void start(HttpSettings settings) {
    StateSource state = new StateSource() {
      @Override
      public List<UsageRollup> rollups(RollupQuery q) {
        return List.of(Rollups.rollup(0).build());
      }

      @Override
      public List<Alert> openAlerts() {
        return List.of(
            QueryStoresTopologyTest.alert("rl:old", AlertState.FIRING, "warning", 10),
            QueryStoresTopologyTest.alert("rl:new", AlertState.FIRING, "critical", 20));
      }
    };
    QueryEndpoints endpoints = new QueryEndpoints(
        state,
        state,
        Clock.fixed(java.time.Instant.ofEpochMilli(NOW), ZoneOffset.UTC),
        Duration.ofHours(6));
    Map<String, com.sun.net.httpserver.HttpHandler> handlers = new LinkedHashMap<>();
    handlers.put(HealthEndpoint.PATH, new HealthEndpoint(() -> new Health(true, "RUNNING")));
    handlers.putAll(endpoints.handlers());
    handlers.put(DashboardEndpoint.PATH, new DashboardEndpoint());
    service = HttpService.start(settings, handlers);
  }

  private HttpResponse<String> get(String path, String authorization) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + service.port() + path))
        .timeout(Duration.ofSeconds(10))
        .GET();
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String basic(String user, String password) {
    return Base64.getEncoder()
        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }
}
