package io.tokenmeter.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenmeter.config.HttpSettings;
import io.tokenmeter.http.HttpService;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code tokenmeter top} and {@code query} against an app with {@code http.auth.token}: the real server. */
class ApiClientAuthTest {

  private final String token = "tm-" + UUID.randomUUID();
  private HttpService app;

  @BeforeEach
  void start() {
    app = HttpService.start(
        new HttpSettings(true, "127.0.0.1", 0).withAuthToken(token),
        Map.of("/api/v1/", exchange -> {
          try (exchange) {
            byte[] body = "{\"rows\":[]}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          }
        }));
  }

  @AfterEach
  void stop() {
    app.close();
  }

  @Test
  void theTokenFromTheEnvironmentIsSentAsBearer() throws Exception {
    assertThat(new ApiClient(url(), Optional.of(token))
            .get("/api/v1/top", Map.of())
            .path("rows")
            .isArray())
        .isTrue();
  }

  @Test
  void withoutATokenThe401SaysWhichVariableToSet() {
    assertThatThrownBy(() -> new ApiClient(url(), Optional.empty()).get("/api/v1/top", Map.of()))
        .isInstanceOf(ApiClient.Unavailable.class)
        .hasMessageContaining("wants a token; set TOKENMETER_HTTP_AUTH_TOKEN");
  }

  @Test
  void aWrongTokenIsReportedWithoutRepeatingIt() {
    String wrong = "tm-" + UUID.randomUUID();
    assertThatThrownBy(() -> new ApiClient(url(), Optional.of(wrong)).get("/api/v1/top", Map.of()))
        .isInstanceOf(ApiClient.Unavailable.class)
        .hasMessageContaining("refused the token in TOKENMETER_HTTP_AUTH_TOKEN")
        .hasMessageNotContaining(wrong);
  }

  private String url() {
    return "http://127.0.0.1:" + app.port();
  }
}
