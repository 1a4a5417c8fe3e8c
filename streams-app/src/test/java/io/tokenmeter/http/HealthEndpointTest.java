package io.tokenmeter.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenmeter.config.HttpSettings;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real JDK server on a free port of 127.0.0.1, asked by a real HTTP client. */
class HealthEndpointTest {

  private final AtomicReference<Health> health = new AtomicReference<>(new Health(true, "RUNNING"));
  private final HttpClient client = HttpClient.newHttpClient();
  private HttpService service;

  @BeforeEach
  void start() {
    service = HttpService.start(
        new HttpSettings(true, "127.0.0.1", 0),
        Map.of(HealthEndpoint.PATH, new HealthEndpoint(health::get)));
  }

  @AfterEach
  void stop() {
    service.close();
  }

  @Test
  void answers200WithTheStateWhileUp() throws Exception {
    HttpResponse<String> response = get("/health");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
    assertThat(response.body()).isEqualTo("{\"status\":\"UP\",\"state\":\"RUNNING\"}");
  }

  @Test
  void answers503WhenDownSoThatAnOrchestratorRestartsIt() throws Exception {
    health.set(new Health(false, "ERROR"));

    HttpResponse<String> response = get("/health");

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.body()).isEqualTo("{\"status\":\"DOWN\",\"state\":\"ERROR\"}");
  }

  @Test
  void refusesOtherMethodsAndPaths() throws Exception {
    HttpResponse<String> post = client.send(
        HttpRequest.newBuilder(uri("/health"))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).contains("GET, HEAD");

    assertThat(get("/health/extra").statusCode()).isEqualTo(404);
  }

  @Test
  void aTakenPortFailsTheStartNamingTheKeys() {
    HttpSettings taken = new HttpSettings(true, "127.0.0.1", service.port());

    assertThatThrownBy(() -> HttpService.start(taken, Map.of()))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("127.0.0.1:" + service.port())
        .hasMessageContaining("http.host, http.port");
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + service.port() + path);
  }
}
