package io.tokenmeter.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import io.tokenmeter.config.HttpSettings;
import io.tokenmeter.http.HttpService;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The page in headless Chromium behind {@code http.auth.token}, on the app's own HTTP server: the
 * browser answers the Basic login prompt with the token, as a person would, and the page's API
 * requests carry the same login, so every panel fills. Canned API answers, as in DashboardPageIT.
 */
class DashboardLoginIT {

  private static final long MINUTE = 1_764_230_400_000L;
  private final String token = "tm-" + UUID.randomUUID();
  private final List<String> apiAuthorizations = new CopyOnWriteArrayList<>();
  private HttpService server;

  @BeforeEach
  void start() {
    server = HttpService.start(
        new HttpSettings(true, "127.0.0.1", 0).withAuthToken(token),
        Map.of(DashboardEndpoint.PATH, new DashboardEndpoint(), "/api/v1/", this::answer));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void theBrowserLogsInWithTheTokenAndThePageFillsEveryPanel() throws Exception {
    String url = "http://127.0.0.1:" + server.port() + "/?refresh=0";
    JsonNode page = new ObjectMapper()
        .readTree(DashboardIT.browse(url, Path.of("target", "dashboard-login-it.png"), 1, token));

    assertThat(page.path("errors").asText()).isEmpty();
    assertThat(page.path("totals").path("requests").asText()).isEqualTo("7");
    page.path("panels")
        .forEach(panel -> assertThat(panel.path("rendered").asBoolean()).isTrue());
    // Only requests that carried the login reached the API (the others got 401 from the server).
    String basic = "Basic "
        + Base64.getEncoder()
            .encodeToString(("tokenmeter:" + token).getBytes(StandardCharsets.UTF_8));
    assertThat(apiAuthorizations).isNotEmpty().allMatch(basic::equals);
  }

  private void answer(HttpExchange exchange) throws IOException {
    try (exchange) {
      apiAuthorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
      String name = exchange.getRequestURI().getPath().substring("/api/v1/".length());
      String json = switch (name) {
        case "series" ->
          "{\"metric\":\"requests\",\"group_by\":\"model\",\"from\":" + (MINUTE - 600_000)
              + ",\"to\":"
              + (MINUTE + 120_000)
              + ",\"step_ms\":60000,\"series\":[{\"group\":\"gpt-4o\",\"points\":[[" + MINUTE
              + ",3],["
              + (MINUTE + 60_000) + ",4]]}]}";
        case "top" ->
          "{\"by\":\"cost\",\"group\":\"key\",\"from\":0,\"to\":1,\"rows\":[{\"group\":\"k1\",\"hint\":\"sk-...aaaa\","
              + "\"requests\":7,\"errors\":0,\"input_tokens\":1,\"output_tokens\":1,\"tokens\":2,\"cost_micros\":10,"
              + "\"unpriced_requests\":0}]}";
        case "alerts" -> "{\"alerts\":[]}";
        default -> "{\"error\":\"unknown path\"}";
      };
      byte[] body = json.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(json.startsWith("{\"error") ? 404 : 200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
