package io.tokenmeter.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.RateLimitSnapshot;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.MockProducer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** track() around real JDK HttpClient calls to a local server, publishing to a MockProducer. */
class TokenmeterTrackTest {

  static final String CHAT_BODY = """
      {"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o-mini-2024-07-18",
       "choices":[{"index":0,"message":{"role":"assistant","content":"Hello"}}],
       "usage":{"prompt_tokens":42,"completion_tokens":7,"total_tokens":49,
                "prompt_tokens_details":{"cached_tokens":32},
                "completion_tokens_details":{"reasoning_tokens":0}}}
      """;

  private final HttpClient http = HttpClient.newHttpClient();
  private final CountDownLatch neverAnswer = new CountDownLatch(1);
  private HttpServer server;
  private MockProducer<String, LlmCallEvent> producer;
  private Tokenmeter tm;

  private final LlmCall template = LlmCall.builder()
      .provider("openai")
      .operation("chat")
      .requestModel("gpt-4o-mini")
      .apiKey("sk-proj-TRACKxTESTxKEY000000000000000000000000000000beef")
      .orgId("org_9")
      .projectId("proj_9")
      .build();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/chat/completions", exchange -> {
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.getResponseHeaders().add("x-ratelimit-limit-requests", "10000");
      exchange.getResponseHeaders().add("x-ratelimit-remaining-requests", "9998");
      exchange.getResponseHeaders().add("x-ratelimit-limit-tokens", "2000000");
      exchange.getResponseHeaders().add("x-ratelimit-remaining-tokens", "1999000");
      exchange.getResponseHeaders().add("x-ratelimit-reset-requests", "12ms");
      exchange.getResponseHeaders().add("x-ratelimit-reset-tokens", "6m0s");
      reply(exchange, 200, CHAT_BODY);
    });
    server.createContext("/limited", exchange -> {
      exchange.getResponseHeaders().add("x-ratelimit-remaining-requests", "0");
      exchange.getResponseHeaders().add("x-ratelimit-reset-requests", "1s");
      reply(exchange, 429, "{\"error\":{\"code\":\"rate_limit_exceeded\"}}");
    });
    server.createContext("/slow", exchange -> {
      try {
        neverAnswer.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.close();
    });
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
    producer = TokenmeterTest.autoCompleting();
    tm = TokenmeterConfigTest.valid().build(producer);
  }

  @AfterEach
  void stop() {
    neverAnswer.countDown();
    tm.close(Duration.ofSeconds(1));
    server.stop(0);
  }

  private static void reply(com.sun.net.httpserver.HttpExchange exchange, int status, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private HttpRequest request(String path, Duration timeout) {
    return HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path))
        .timeout(timeout)
        .POST(HttpRequest.BodyPublishers.ofString("{}"))
        .build();
  }

  private LlmCallEvent onlyEvent() {
    assertThat(tm.flush(Duration.ofSeconds(10))).isTrue();
    assertThat(producer.history()).hasSize(1);
    return producer.history().get(0).value();
  }

  @Test
  void trackedCallCapturesStatusUsageModelAndRateLimits() throws Exception {
    long before = System.currentTimeMillis();
    HttpResponse<String> response = tm.track(
        template,
        () -> http.send(
            request("/v1/chat/completions", Duration.ofSeconds(10)),
            HttpResponse.BodyHandlers.ofString()));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(CHAT_BODY);
    LlmCallEvent e = onlyEvent();
    assertThat(e.getStatusCode()).isEqualTo(200);
    assertThat(e.getErrorType()).isNull();
    assertThat(e.getResponseModel()).isEqualTo("gpt-4o-mini-2024-07-18");
    assertThat(e.getInputTokens()).isEqualTo(42L);
    assertThat(e.getOutputTokens()).isEqualTo(7L);
    assertThat(e.getCacheReadInputTokens()).isEqualTo(32L);
    assertThat(e.getReasoningOutputTokens()).isEqualTo(0L);
    assertThat(e.getCacheCreationInputTokens()).isNull();
    assertThat(e.getDurationMs()).isNotNull().isGreaterThanOrEqualTo(0L);
    assertThat(e.getTimestamp().toEpochMilli()).isGreaterThanOrEqualTo(before);
    assertThat(e.getApiKeyHint()).isEqualTo("sk-...beef");
    RateLimitSnapshot r = e.getRateLimit();
    assertThat(r.getLimitRequests()).isEqualTo(10_000L);
    assertThat(r.getRemainingRequests()).isEqualTo(9_998L);
    assertThat(r.getLimitTokens()).isEqualTo(2_000_000L);
    assertThat(r.getRemainingTokens()).isEqualTo(1_999_000L);
    assertThat(r.getResetRequestsMs()).isEqualTo(12L);
    assertThat(r.getResetTokensMs()).isEqualTo(360_000L);
  }

  @Test
  void byteArrayBodiesAreParsedToo() throws Exception {
    tm.track(
        template,
        () -> http.send(
            request("/v1/chat/completions", Duration.ofSeconds(10)),
            HttpResponse.BodyHandlers.ofByteArray()));
    assertThat(onlyEvent().getInputTokens()).isEqualTo(42L);
  }

  @Test
  void rateLimitedResponseIsReturnedAndRecordedAsRateLimited() throws Exception {
    HttpResponse<String> response = tm.track(
        template,
        () -> http.send(
            request("/limited", Duration.ofSeconds(10)), HttpResponse.BodyHandlers.ofString()));
    assertThat(response.statusCode()).isEqualTo(429);
    LlmCallEvent e = onlyEvent();
    assertThat(e.getStatusCode()).isEqualTo(429);
    assertThat(e.getErrorType()).isEqualTo("rate_limited");
    assertThat(e.getInputTokens()).isNull();
    assertThat(e.getRateLimit().getRemainingRequests()).isZero();
    assertThat(e.getRateLimit().getResetRequestsMs()).isEqualTo(1_000L);
  }

  @Test
  void timeoutIsRethrownUnchangedAndRecordedAsTimeout() {
    HttpTimeoutException[] thrown = new HttpTimeoutException[1];
    assertThatThrownBy(() -> tm.track(template, () -> {
          try {
            return http.send(
                request("/slow", Duration.ofMillis(200)), HttpResponse.BodyHandlers.ofString());
          } catch (HttpTimeoutException e) {
            thrown[0] = e;
            throw e;
          }
        }))
        .isInstanceOf(HttpTimeoutException.class)
        .satisfies(t -> assertThat(t).isSameAs(thrown[0]));
    LlmCallEvent e = onlyEvent();
    assertThat(e.getErrorType()).isEqualTo("timeout");
    assertThat(e.getStatusCode()).isNull();
    assertThat(e.getDurationMs()).isGreaterThanOrEqualTo(150L);
  }

  @Test
  void refusedConnectionIsRethrownAndRecordedAsNetwork() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    HttpRequest refused = HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + closedPort + "/v1/chat/completions"))
        .build();
    assertThatThrownBy(() ->
            tm.track(template, () -> http.send(refused, HttpResponse.BodyHandlers.ofString())))
        .isInstanceOf(ConnectException.class);
    assertThat(onlyEvent().getErrorType()).isEqualTo("network");
  }

  @Test
  void callersOwnRuntimeExceptionIsRethrownAndRecordedAsClient() {
    IllegalStateException own = new IllegalStateException("caller bug");
    assertThatThrownBy(() -> tm.track(template, () -> {
          throw own;
        }))
        .isSameAs(own);
    assertThat(onlyEvent().getErrorType()).isEqualTo("client");
  }

  @Test
  void eachTrackedCallIsItsOwnEventEvenFromOneTemplate() throws Exception {
    LlmCall withFixedId = template.toBuilder().eventId("fixed").build();
    for (int i = 0; i < 2; i++) {
      tm.track(
          withFixedId,
          () -> http.send(
              request("/v1/chat/completions", Duration.ofSeconds(10)),
              HttpResponse.BodyHandlers.ofString()));
    }
    assertThat(tm.flush(Duration.ofSeconds(10))).isTrue();
    assertThat(producer.history())
        .extracting(r -> r.value().getEventId())
        .doesNotHaveDuplicates()
        .doesNotContain("fixed");
  }

  @Test
  void nullTemplateStillMakesTheCallAndCountsTheEventInvalid() throws Exception {
    HttpResponse<String> response = tm.track(
        null,
        () -> http.send(
            request("/v1/chat/completions", Duration.ofSeconds(10)),
            HttpResponse.BodyHandlers.ofString()));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(tm.stats().droppedInvalid()).isEqualTo(1);
  }
}
