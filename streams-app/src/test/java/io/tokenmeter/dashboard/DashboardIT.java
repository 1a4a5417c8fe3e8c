package io.tokenmeter.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenmeter.app.TokenmeterApp;
import io.tokenmeter.config.AlertSettings;
import io.tokenmeter.config.HttpSettings;
import io.tokenmeter.config.KafkaSettings;
import io.tokenmeter.config.PricingSettings;
import io.tokenmeter.config.RollupSettings;
import io.tokenmeter.config.TokenmeterConfig;
import io.tokenmeter.config.TopicSettings;
import io.tokenmeter.cost.OneModelPricing;
import io.tokenmeter.cost.Pricing;
import io.tokenmeter.sdk.LlmCall;
import io.tokenmeter.sdk.Tokenmeter;
import io.tokenmeter.testkit.junit.SharedBroker;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The dashboard in a real browser against the real app: a known trace goes in through the SDK,
 * and once the final rollups are queryable, headless Chromium (driven by {@code
 * src/test/browser/dashboard.spec.mjs}) loads the page. The numbers it shows must be the trace's
 * totals exactly, and every chart must have drawn.
 */
class DashboardIT {

  private static final String SECRET = "dashboard-it-secret-0123456789abcdef0123456789";
  private static final String KEY_A = "sk-proj-DASHBOARDIT0000000000000000000000000000000000aaaa";
  private static final String KEY_B = "sk-ant-DASHBOARDIT00000000000000000000000000000000000bbbb";
  private static final int CALLS = 60;
  private static final Path BROWSER = Path.of("src/test/browser");

  @RegisterExtension
  static final SharedBroker broker = new SharedBroker();

  /** gpt-4o: 2 micro-dollars per input token and 10 per output token; claude-x is unpriced. */
  private static final Pricing PRICING = new OneModelPricing("it-1", "gpt-4o", 2, 10);

  /** One call of the trace: index i decides model, org, key, service, tokens and status. */
  private record Call(int i) {
    boolean priced() {
      return i < 40;
    }

    String service() {
      return priced() ? "checkout" : "search";
    }

    boolean error() {
      return priced() ? i % 10 == 9 : i % 7 == 0;
    }

    long input() {
      return error() ? 0 : priced() ? 100 + i : 50;
    }

    long output() {
      return error() ? 0 : priced() ? 10 + i : 5;
    }

    long costMicros() {
      return 2 * input() + 10 * output();
    }

    LlmCall toLlmCall(Instant window) {
      return LlmCall.builder()
          .eventId("dash-" + i)
          .timestamp(window.plusMillis(i * 500L))
          .provider(priced() ? "openai" : "anthropic")
          .operation("chat")
          .requestModel(priced() ? "gpt-4o" : "claude-x")
          .orgId(priced() ? "org-a" : "org-b")
          .projectId("proj-1")
          .apiKey(priced() ? KEY_A : KEY_B)
          .durationMs(100 + i)
          .statusCode(error() ? (priced() ? 429 : 500) : 200)
          .inputTokens(input())
          .outputTokens(output())
          .build();
    }
  }

  @Test
  void pageShowsTheTraceTotalsAndDrawsEveryPanel() throws Exception {
    // The trace lies in the previous minute, so its window closes on the wall clock (see RollupIT).
    Instant now = Instant.now();
    Instant window =
        Instant.ofEpochMilli(Math.floorDiv(now.toEpochMilli(), 60_000L) * 60_000L - 60_000L);
    List<Call> trace = new ArrayList<>();
    for (int i = 0; i < CALLS; i++) {
      trace.add(new Call(i));
    }
    long requests = trace.size();
    long errors = trace.stream().filter(Call::error).count();
    long tokens = trace.stream().mapToLong(c -> c.input() + c.output()).sum();
    long costA = trace.stream().filter(Call::priced).mapToLong(Call::costMicros).sum();
    long tokensA = trace.stream()
        .filter(Call::priced)
        .mapToLong(c -> c.input() + c.output())
        .sum();
    long tokensB = tokens - tokensA;
    long unpriced = trace.stream().filter(c -> !c.priced()).count();

    TokenmeterConfig config = config();
    TopicSettings topics = config.topics();
    try (TokenmeterApp app = new TokenmeterApp(config, PRICING)) {
      app.start();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> app.streams().state() == KafkaStreams.State.RUNNING);
      String base = "http://127.0.0.1:" + app.httpPort().orElseThrow();

      for (String service : List.of("checkout", "search")) {
        try (Tokenmeter sdk = Tokenmeter.builder()
            .bootstrapServers(broker.bootstrapServers())
            .topic(topics.calls())
            .service(service)
            .environment("it")
            .fingerprintSecret(SECRET)
            .build()) {
          trace.stream()
              .filter(c -> c.service().equals(service))
              .forEach(c -> sdk.record(c.toLlmCall(window)));
          assertThat(sdk.flush(Duration.ofSeconds(30))).isTrue();
        }
      }

      // The page reads the query API; it is ready once that API counts every call of the trace.
      ObjectMapper json = new ObjectMapper();
      await()
          .atMost(Duration.ofSeconds(150))
          .pollInterval(Duration.ofSeconds(1))
          .ignoreExceptions()
          .until(() -> {
            JsonNode top = json.readTree(get(base + "/api/v1/top?by=requests&group=model&n=1000"));
            long seen = 0;
            for (JsonNode row : top.path("rows")) {
              seen += row.path("requests").asLong();
            }
            return seen == requests;
          });

      Path screenshot = Path.of("target", "dashboard-it.png");
      JsonNode page = json.readTree(browse(base + "/?refresh=0", screenshot));

      assertThat(page.path("errors").asText()).as("errors shown by the page").isEmpty();
      assertThat(page.path("consoleErrors")).as("browser console errors").isEmpty();
      JsonNode totals = page.path("totals");
      assertThat(totals.path("requests").asText()).isEqualTo(count(requests));
      assertThat(totals.path("tokens").asText()).isEqualTo(count(tokens));
      assertThat(totals.path("cost").asText()).isEqualTo(dollars(costA));
      assertThat(totals.path("unpriced").asText())
          .isEqualTo("+ " + unpriced + " unpriced requests");
      assertThat(totals.path("errorRate").asText())
          .isEqualTo(String.format(Locale.ROOT, "%.1f%%", 100.0 * errors / requests));

      // Top keys by cost: the priced key first; the unpriced one says so instead of $0.
      List<List<String>> keys = rows(page.path("topKeys"));
      assertThat(keys).hasSize(2);
      assertThat(keys.get(0).get(0)).endsWith("aaaa");
      assertThat(keys.get(0).subList(1, 5))
          .containsExactly("40", "4", count(tokensA), dollars(costA));
      assertThat(keys.get(1).get(0)).endsWith("bbbb");
      assertThat(keys.get(1).subList(1, 5)).containsExactly("20", "3", count(tokensB), "unpriced");

      // 40 gpt-4o calls of org-a in one minute against a limit of 45 per minute: 89%, a warning.
      List<List<String>> alerts = rows(page.path("alerts"));
      assertThat(alerts).anySatisfy(a -> {
        assertThat(a.get(2)).isEqualTo("rate_limit_requests");
        assertThat(a.get(3)).contains("org-a").contains("gpt-4o");
      });

      JsonNode panels = page.path("panels");
      assertThat(panels.size()).isEqualTo(8);
      panels
          .fields()
          .forEachRemaining(p -> assertThat(p.getValue().path("rendered").asBoolean())
              .as(p.getKey())
              .isTrue());
      for (String perModel : List.of("requests", "tokens", "error-rate-model", "latency-model")) {
        assertThat(panels.path(perModel).path("series").asInt()).as(perModel).isEqualTo(2);
        assertThat(panels.path(perModel).path("points").asInt()).as(perModel).isEqualTo(2);
        assertThat(panels.path(perModel).path("canvases").asInt()).as(perModel).isEqualTo(1);
      }
      assertThat(panels.path("error-rate-service").path("series").asInt()).isEqualTo(2);
      assertThat(panels.path("latency-service").path("series").asInt()).isEqualTo(2);
      assertThat(panels.path("cost").path("canvases").asInt()).isEqualTo(1);
      assertThat(panels.path("rate-limit").path("canvases").asInt()).isEqualTo(1);

      JsonNode filters = page.path("filters");
      assertThat(values(filters.path("org"))).containsExactly("org-a", "org-b");
      assertThat(values(filters.path("model"))).containsExactly("claude-x", "gpt-4o");
      assertThat(values(filters.path("service"))).containsExactly("checkout", "search");
      assertThat(values(filters.path("key"))).hasSize(2);
      assertThat(screenshot).isNotEmptyFile();

      // Filtered to org-b: only the unpriced claude-x calls, and no cost shown as $0.
      JsonNode orgB = json.readTree(
          browse(base + "/?refresh=0&org=org-b", Path.of("target", "dashboard-it-org-b.png")));
      assertThat(orgB.path("errors").asText()).isEmpty();
      assertThat(orgB.path("totals").path("requests").asText()).isEqualTo("20");
      assertThat(orgB.path("totals").path("tokens").asText()).isEqualTo(count(tokensB));
      assertThat(orgB.path("totals").path("cost").asText()).isEqualTo("unpriced");
      assertThat(orgB.path("totals").path("errorRate").asText()).isEqualTo("15.0%");
      assertThat(rows(orgB.path("topKeys"))).hasSize(1);
      assertThat(orgB.path("panels").path("requests").path("series").asInt()).isEqualTo(1);

      assertThat(app.close(Duration.ofSeconds(30))).isTrue();
    }
  }

  /** Runs the browser script and returns the JSON line it prints; its stderr goes to target/. */
  static String browse(String url, Path screenshot) throws IOException, InterruptedException {
    return browse(url, screenshot, 1);
  }

  /** As {@link #browse(String, Path)}, reading the page after {@code refreshes} refreshes. */
  static String browse(String url, Path screenshot, int refreshes)
      throws IOException, InterruptedException {
    return browse(url, screenshot, refreshes, null);
  }

  /** As {@link #browse(String, Path, int)}, answering the login prompt with {@code password} unless null. */
  static String browse(String url, Path screenshot, int refreshes, String password)
      throws IOException, InterruptedException {
    Path stderr = Path.of("target", "dashboard-it-browser-" + screenshot.getFileName() + ".log");
    ProcessBuilder pb = new ProcessBuilder(
            "node",
            "dashboard.spec.mjs",
            url,
            screenshot.toAbsolutePath().toString(),
            "60000",
            Integer.toString(refreshes))
        .directory(BROWSER.toFile())
        .redirectError(stderr.toFile());
    pb.environment().remove("TOKENMETER_DASHBOARD_PASSWORD");
    if (password != null) {
      pb.environment().put("TOKENMETER_DASHBOARD_PASSWORD", password);
    }
    Process browser = pb.start();
    byte[] out = browser.getInputStream().readAllBytes();
    if (!browser.waitFor(120, TimeUnit.SECONDS)) {
      browser.destroyForcibly();
      throw new AssertionError("browser script did not finish in 120 s");
    }
    String stdout = new String(out, StandardCharsets.UTF_8);
    assertThat(browser.exitValue())
        .as("node dashboard.spec.mjs exit code; stderr: %s", Files.readString(stderr))
        .isZero();
    return stdout;
  }

  private static String get(String url) throws IOException, InterruptedException {
    HttpResponse<String> r = HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException(url + ": " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }

  private static List<List<String>> rows(JsonNode table) {
    List<List<String>> rows = new ArrayList<>();
    table.forEach(tr -> rows.add(values(tr)));
    return rows;
  }

  private static List<String> values(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(v -> values.add(v.asText()));
    return values;
  }

  /** As the page writes counts: digits grouped by commas. */
  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** As the page writes micro-dollars: "$" dollars, then 2 to 6 decimals without trailing zeros. */
  static String dollars(long micros) {
    String frac = String.format(Locale.ROOT, "%06d", micros % 1_000_000).replaceAll("0+$", "");
    while (frac.length() < 2) {
      frac += "0";
    }
    return "$" + count(micros / 1_000_000) + "." + frac;
  }

  private static TokenmeterConfig config() throws IOException {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    return new TokenmeterConfig(
        new KafkaSettings(
            broker.bootstrapServers(),
            "tokenmeter-dash-it-" + suffix,
            KafkaSettings.ProcessingGuarantee.EXACTLY_ONCE_V2,
            Files.createTempDirectory("tokenmeter-dash-it-state-"),
            Duration.ofMillis(200),
            1024 * 1024,
            1,
            Duration.ofMinutes(1),
            Optional.empty(),
            Map.of()),
        new TopicSettings(
            "llm.calls." + suffix,
            "llm.rollups.1m." + suffix,
            "llm.alerts." + suffix,
            "llm.calls.dlq." + suffix,
            3,
            (short) 1,
            Duration.ofDays(1),
            Duration.ofDays(1)),
        new RollupSettings(
            Duration.ofSeconds(10),
            Duration.ofHours(1),
            Duration.ofMillis(500),
            10_000,
            Duration.ofSeconds(10),
            1000,
            Duration.ofHours(24)),
        // A limit for org-a's gpt-4o so that the trace raises an alert; calm windows high enough
        // that it is still open when the page loads.
        new AlertSettings(
            0.8,
            0.95,
            60,
            List.of(new AlertSettings.RateLimit("org-a", null, "gpt-4o", 45L, null)),
            new AlertSettings.ErrorRate(20, 3.0, 0.05, 0.2),
            Set.of()),
        new PricingSettings(Optional.empty()),
        new HttpSettings(true, "127.0.0.1", 0));
  }
}
