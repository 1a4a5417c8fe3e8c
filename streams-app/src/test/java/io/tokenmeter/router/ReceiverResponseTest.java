package io.tokenmeter.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.tokenmeter.config.RouterSettings;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.testkit.FreePorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How the receivers read a real HTTP server's answers: accepted, retry later, or refused for good. */
class ReceiverResponseTest {

  private static final String ROUTING_KEY = "R0UTING-hunter2-0123456789abcdef";
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-11-27T10:00:00Z"), ZoneOffset.UTC);

  private HttpServer server;
  private final AtomicReference<Answer> answer =
      new AtomicReference<>(new Answer(202, "{\"status\":\"success\"}", null));
  private final List<String> bodies = new CopyOnWriteArrayList<>();
  private final List<String> authorizations = new CopyOnWriteArrayList<>();

  record Answer(int status, String body, String retryAfter) {}

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      String auth = exchange.getRequestHeaders().getFirst("Authorization");
      authorizations.add(auth == null ? "" : auth);
      Answer a = answer.get();
      if (a.retryAfter() != null) {
        exchange.getResponseHeaders().add("Retry-After", a.retryAfter());
      }
      byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(a.status(), body.length == 0 ? -1 : body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  private URI url(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  private PagerDutyReceiver pagerDuty(URI url) {
    JsonPost post =
        new JsonPost(JsonPost.newClient(Duration.ofSeconds(5)), Duration.ofSeconds(5), CLOCK);
    return new PagerDutyReceiver(
        new RouterSettings.PagerDuty(url, ROUTING_KEY, "tokenmeter"), post);
  }

  private Delivery deliver() {
    return pagerDuty(url("/v2/enqueue"))
        .deliver(TestAlerts.rateLimit(AlertState.FIRING, "critical"));
  }

  @Test
  void a202IsAcceptedAndTheEventIsPostedAsJson() {
    assertThat(deliver()).isInstanceOf(Delivery.Accepted.class);
    assertThat(bodies).singleElement().asString().contains("\"event_action\":\"trigger\"");
  }

  @Test
  void a503IsRetriedHonouringRetryAfter() {
    answer.set(new Answer(503, "down", "7"));

    assertThat(deliver())
        .isEqualTo(new Delivery.RetryLater(Optional.of(Duration.ofSeconds(7)), "HTTP 503"));
  }

  @Test
  void a429WithAnHttpDateIsRetriedAtThatTime() {
    answer.set(new Answer(429, "slow down", "Fri, 27 Nov 2026 10:00:30 GMT"));

    assertThat(deliver())
        .isEqualTo(new Delivery.RetryLater(Optional.of(Duration.ofSeconds(30)), "HTTP 429"));
  }

  @Test
  void a400IsRefusedWithTheResponseButNeverTheRoutingKey() {
    answer.set(new Answer(
        400, "{\"status\":\"invalid event\",\"errors\":[\"bad key " + ROUTING_KEY + "\"]}", null));

    Delivery delivery = deliver();

    assertThat(delivery).isInstanceOf(Delivery.Rejected.class);
    Delivery.Rejected rejected = (Delivery.Rejected) delivery;
    assertThat(rejected.status()).isEqualTo(400);
    assertThat(rejected.responseExcerpt())
        .contains("invalid event")
        .contains("[redacted]")
        .doesNotContain("hunter2");
  }

  @Test
  void aLongErrorResponseIsCut() {
    answer.set(new Answer(422, "x".repeat(50_000), null));

    assertThat(((Delivery.Rejected) deliver()).responseExcerpt())
        .hasSize(JsonPost.MAX_EXCERPT_CHARS);
  }

  @Test
  void aReceiverThatIsNotListeningIsRetried() {
    URI nobody = URI.create("http://127.0.0.1:" + FreePorts.next() + "/v2/enqueue");

    Delivery delivery =
        pagerDuty(nobody).deliver(TestAlerts.rateLimit(AlertState.FIRING, "critical"));

    assertThat(delivery).isInstanceOf(Delivery.RetryLater.class);
    assertThat(((Delivery.RetryLater) delivery).retryAfter()).isEmpty();
  }

  @Test
  void theWebhookGetsTheAlertmanagerPayloadAndItsAuthorizationHeader() {
    JsonPost post =
        new JsonPost(JsonPost.newClient(Duration.ofSeconds(5)), Duration.ofSeconds(5), CLOCK);
    WebhookReceiver webhook = new WebhookReceiver(
        new RouterSettings.Webhook(url("/hook"), Optional.of("Bearer t0ken")), post);
    answer.set(new Answer(200, "", null));

    assertThat(webhook.deliver(TestAlerts.rateLimit(AlertState.RESOLVED, "warning")))
        .isInstanceOf(Delivery.Accepted.class);
    assertThat(bodies)
        .singleElement()
        .asString()
        .contains("\"version\":\"4\"")
        .contains("\"status\":\"resolved\"");
    assertThat(authorizations).containsExactly("Bearer t0ken");
  }
}
