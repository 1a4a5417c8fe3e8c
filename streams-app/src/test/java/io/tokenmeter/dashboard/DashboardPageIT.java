package io.tokenmeter.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The page in headless Chromium against canned answers shaped as docs/query-api.md says, for
 * what the real app rarely produces on demand: sums across rows, null cost, and an API that fails.
 * DashboardIT covers the page against the real app.
 */
class DashboardPageIT {

  private static final long MINUTE = 1_764_230_400_000L;
  private HttpServer server;
  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  private final AtomicInteger topCalls = new AtomicInteger();

  private record Answer(int status, String json) {}

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(DashboardEndpoint.PATH, new DashboardEndpoint());
    server.createContext("/api/v1/", this::answer);
    server.start();
    String minute = "[[" + MINUTE + ",%s],[" + (MINUTE + 60_000) + ",%s]]";
    answers.put(
        "series",
        new Answer(
            200,
            "{\"metric\":\"requests\",\"group_by\":\"model\",\"from\":" + (MINUTE - 600_000)
                + ",\"to\":" + (MINUTE + 120_000) + ",\"step_ms\":60000,"
                + "\"series\":[{\"group\":\"gpt-4o\",\"points\":" + minute.formatted(1, 2) + "},"
                + "{\"group\":\"claude-x\",\"points\":" + minute.formatted("null", "null")
                + "}]}"));
    answers.put(
        "top",
        new Answer(
            200,
            "{\"by\":\"cost\",\"group\":\"key\",\"from\":0,\"to\":1,\"rows\":["
                + row("k1", "sk-...aaaa", 1_000_000, 3, 1_234_567L, 0) + ","
                + row("k2", "sk-...bbbb", 7, 0, 10L, 2) + ","
                + row("k3", "sk-...cccc", 2, 1, null, 2) + "]}"));
    answers.put("alerts", new Answer(200, "{\"alerts\":[]}"));
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void totalsAddUpTheRowsAndCostIsExactDollarsOrUnpriced() throws Exception {
    JsonNode page = new ObjectMapper()
        .readTree(DashboardIT.browse(base(), Path.of("target", "dashboard-page-it.png")));

    assertThat(page.path("errors").asText()).isEmpty();
    JsonNode totals = page.path("totals");
    assertThat(totals.path("requests").asText()).isEqualTo("1,000,009");
    assertThat(totals.path("cost").asText()).isEqualTo("$1.234577");
    assertThat(totals.path("unpriced").asText()).isEqualTo("+ 4 unpriced requests");
    assertThat(totals.path("errorRate").asText()).isEqualTo("0.00%");
    assertThat(page.path("topKeys").get(2).get(4).asText()).isEqualTo("unpriced");
    assertThat(page.path("topKeys").get(1).get(4).asText()).isEqualTo("$0.00001 (+2 unpriced)");
    assertThat(page.path("panels").path("requests").path("rendered").asBoolean())
        .isTrue();
    assertThat(page.path("panels").path("requests").path("points").asInt()).isEqualTo(4);
  }

  @Test
  void anApiErrorIsShownInThePageNotSwallowed() throws Exception {
    answers.put("alerts", new Answer(503, "{\"error\":\"store not ready\"}"));

    JsonNode page = new ObjectMapper()
        .readTree(DashboardIT.browse(base(), Path.of("target", "dashboard-page-it-error.png")));

    assertThat(page.path("errors").asText())
        .contains("alerts")
        .contains("HTTP 503")
        .contains("store not ready");
    assertThat(page.path("totals").path("requests").asText()).isEqualTo("1,000,009");
  }

  @Test
  void refreshesOnItsOwnAndShowsNewNumbers() throws Exception {
    CompletableFuture<String> browsing = CompletableFuture.supplyAsync(() -> {
      try {
        return DashboardIT.browse(
            base().replace("refresh=0", "refresh=1"),
            Path.of("target", "dashboard-page-it-refresh.png"),
            2);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    // The first refresh asks /top six times: four for the filters, the totals and the top keys.
    // The next one starts a second after it ends, and must show the new answer.
    await().atMost(Duration.ofSeconds(60)).until(() -> topCalls.get() >= 6);
    answers.put(
        "top",
        new Answer(
            200,
            "{\"by\":\"cost\",\"group\":\"key\",\"from\":0,\"to\":1,\"rows\":["
                + row("k1", "sk-...aaaa", 42, 0, 5L, 0) + "]}"));

    JsonNode page = new ObjectMapper().readTree(browsing.get());

    assertThat(page.path("refreshes").asInt()).isGreaterThanOrEqualTo(2);
    assertThat(page.path("totals").path("requests").asText()).isEqualTo("42");
    assertThat(page.path("totals").path("cost").asText()).isEqualTo("$0.000005");
  }

  private String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/?refresh=0";
  }

  private static String row(
      String group, String hint, long requests, long errors, Long cost, long unpriced) {
    return "{\"group\":\"%s\",\"hint\":\"%s\",\"requests\":%d,\"errors\":%d,\"input_tokens\":1,\"output_tokens\":1,\"tokens\":2,\"cost_micros\":%s,\"unpriced_requests\":%d}"
        .formatted(group, hint, requests, errors, cost, unpriced);
  }

  private void answer(HttpExchange exchange) throws IOException {
    try (exchange) {
      String name = exchange.getRequestURI().getPath().substring("/api/v1/".length());
      Answer a = answers.getOrDefault(name, new Answer(404, "{\"error\":\"unknown path\"}"));
      byte[] body = a.json().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(a.status(), body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
      // Counted once answered, so that a test swapping answers after n calls cannot change the
      // n-th.
      if (name.equals("top")) {
        topCalls.incrementAndGet();
      }
    }
  }
}
