package io.tokenmeter.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenmeter.app.CallTrace.RollupId;
import io.tokenmeter.app.CallTrace.Totals;
import io.tokenmeter.config.PricingSettings;
import io.tokenmeter.cost.Pricing;
import io.tokenmeter.cost.TablePricing;
import io.tokenmeter.router.RecordingWebhook;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.UsageRollup;
import io.tokenmeter.sdk.LlmCall;
import io.tokenmeter.sdk.Tokenmeter;
import io.tokenmeter.testkit.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real broker whose only client listener is SASL_PLAINTEXT with SCRAM-SHA-512. The app (a child
 * process running {@code tokenmeter run} with the alert router) and the producer SDK get their
 * credentials from configuration alone: calls flow end to end, rollups are exact and an alert
 * reaches the webhook. A wrong password stops the app at start with an error that names the
 * setting, and no password ever appears in the app's output.
 */
class SaslScramIT {

  private static final String USER = "tokenmeter";
  private static final String PASSWORD = "scram-" + UUID.randomUUID();
  private static final int CALLS = 240;

  private static KafkaBroker broker;

  @TempDir
  Path dir;

  @BeforeAll
  static void startBroker() {
    broker = KafkaBroker.builder().saslScram(USER, PASSWORD).start();
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void appRouterAndSdkConfiguredForScramCarryCallsEndToEnd() throws Exception {
    endToEnd(
        broker,
        appSecuritySettings(broker.clientProperties().get("sasl.jaas.config")),
        List.of(PASSWORD),
        "kafka.client.sasl.jaas.config = [redacted]",
        dir);
  }

  /**
   * The app with the router ({@code appSecurity} added to its configuration) and the SDK (with the
   * broker's client properties) carry calls to exact rollups and an alert to a webhook; no value of
   * {@code secrets} appears in the app's output, which shows {@code redactedLine}.
   */
  static void endToEnd(
      KafkaBroker broker,
      Map<String, String> appSecurity,
      List<String> secrets,
      String redactedLine,
      Path dir)
      throws Exception {
    Map<String, String> client = broker.clientProperties();
    AppConfig config = AppConfig.create(client, dir, 4, Duration.ofSeconds(5), (short) 1);
    Pricing pricing = TablePricing.from(new PricingSettings(Optional.of(config.priceFile())));
    RecordingWebhook webhook = RecordingWebhook.start();
    Map<String, String> instance =
        new TreeMap<>(config.instance("exactly_once_v2", dir.resolve("state")));
    instance.putAll(appSecurity);
    String suffix = config.calls().substring(config.calls().lastIndexOf('.') + 1);
    instance.put("router.enabled", "true");
    instance.put("router.group.id", "tokenmeter-router-" + suffix);
    instance.put("topics.alerts.dead.letter", "llm.alerts.dlq." + suffix);
    instance.put("router.webhook.url", webhook.url());

    try (AppProcess app = AppProcess.start("app", dir, instance).awaitRunning()) {
      Map<String, Object> sdkKafka = new HashMap<>(client);
      sdkKafka.remove("bootstrap.servers");
      List<String> sent = new ArrayList<>();
      try (Tokenmeter sdk = Tokenmeter.builder()
          .bootstrapServers(broker.bootstrapServers())
          .producerProperties(sdkKafka)
          .topic(config.calls())
          .service("checkout")
          .environment("it")
          .fingerprintSecret("sasl-scram-it-fingerprint-secret-0123456789")
          .build()) {
        Instant start = Instant.ofEpochMilli(
                Math.floorDiv(System.currentTimeMillis(), 60_000L) * 60_000L)
            .minus(Duration.ofMinutes(3));
        for (int i = 0; i < CALLS; i++) {
          String id = "scram-" + suffix + "-" + i;
          sdk.record(call(id, start.plusMillis(500L * i), i));
          sent.add(id);
        }
        assertThat(sdk.flush(Duration.ofMinutes(1)))
            .as("SDK delivered everything")
            .isTrue();
        assertThat(sdk.stats().dropped()).isZero();
      }

      List<LlmCallEvent> inTopic = readCalls(client, config.calls(), CALLS);
      assertThat(inTopic)
          .extracting(LlmCallEvent::getEventId)
          .containsExactlyInAnyOrderElementsOf(sent);
      Map<RollupId, Totals> reference = new CallTrace(inTopic, CALLS).reference(pricing);
      List<UsageRollup> rollups =
          FinalRollups.read(client, config.rollups(), reference.keySet(), Duration.ofMinutes(2));
      Map<RollupId, List<UsageRollup>> byId = rollups.stream()
          .collect(Collectors.groupingBy(RollupId::of, TreeMap::new, Collectors.toList()));
      assertThat(rollups).as("one rollup per (window, dimensions)").hasSize(reference.size());
      Map<RollupId, Totals> actual = new TreeMap<>();
      byId.forEach((id, copies) -> actual.put(id, Totals.of(copies.get(0))));
      assertThat(actual).isEqualTo(reference);

      await("the unpriced_model alert reaches the webhook through the SCRAM-authenticated router")
          .atMost(Duration.ofSeconds(90))
          .until(() -> webhook.bodies().stream()
              .anyMatch(h -> h.contains("unpriced_model") && h.contains("local-llama")));
      app.stop();
      String log = Files.readString(app.log(), StandardCharsets.UTF_8);
      assertThat(log).contains(redactedLine);
      for (String secret : secrets) {
        assertThat(log.contains(secret))
            .as("a secret is in the app's output (%s)", app.log())
            .isFalse();
      }
    } finally {
      webhook.close();
    }
  }

  @Test
  void wrongPasswordStopsTheAppAtStartNamingTheSettingWithoutPrintingIt() throws Exception {
    Map<String, String> client = broker.clientProperties();
    AppConfig config = AppConfig.create(client, dir, 1, Duration.ofSeconds(5), (short) 1);
    String wrongPassword = "wrong-" + UUID.randomUUID();
    Map<String, String> instance =
        new TreeMap<>(config.instance("exactly_once_v2", dir.resolve("state")));
    instance.putAll(
        appSecuritySettings(client.get("sasl.jaas.config").replace(PASSWORD, wrongPassword)));

    try (AppProcess app = AppProcess.start("app-wrong-password", dir, instance)) {
      await("the app gives up").atMost(Duration.ofSeconds(90)).until(() -> !app.isAlive());
      String log = Files.readString(app.log(), StandardCharsets.UTF_8);
      assertThat(app.stop()).as("exit code (log: %s)", app.log()).isEqualTo(1);
      assertThat(log)
          .contains("Kafka refused to authenticate this app")
          .contains("invalid credentials with SASL mechanism SCRAM-SHA-512")
          .contains("kafka.client.sasl.jaas.config");
      // Checked as booleans: AssertJ would quote the log, password and all, if they failed.
      assertThat(log.contains(wrongPassword))
          .as("the wrong password is in the app's output")
          .isFalse();
      assertThat(log.contains(PASSWORD))
          .as("the password is in the app's output")
          .isFalse();
    }
  }

  /** The three {@code kafka.client.*} keys an operator sets for SCRAM; nothing else changes. */
  private static Map<String, String> appSecuritySettings(String jaas) {
    return Map.of(
        "kafka.client.security.protocol", "SASL_PLAINTEXT",
        "kafka.client.sasl.mechanism", "SCRAM-SHA-512",
        "kafka.client.sasl.jaas.config", jaas);
  }

  /** Priced and unpriced models, a few errors, two organisations: enough for every rollup field. */
  private static LlmCall call(String id, Instant at, int i) {
    boolean unpriced = i % 7 == 0;
    LlmCall.Builder b = LlmCall.builder()
        .eventId(id)
        .timestamp(at)
        .provider(unpriced ? "self-hosted" : "openai")
        .operation("chat")
        .requestModel(unpriced ? "local-llama" : i % 2 == 0 ? "gpt-4o" : "gpt-4o-mini")
        .orgId(i % 3 == 0 ? "org-a" : "org-b")
        .projectId("proj-1")
        .apiKey("sk-proj-SASLSCRAMIT" + (i % 2) + "0000000000000000000000000000000000abcd")
        .durationMs(40 + i)
        .statusCode(200);
    if (i % 11 == 0) {
      return b.statusCode(429).errorType("rate_limited").build();
    }
    return b.inputTokens(100 + i).outputTokens(10 + i % 50).build();
  }

  private static List<LlmCallEvent> readCalls(
      Map<String, String> client, String topic, int expected) {
    List<LlmCallEvent> events =
        CallsTopic.readAll(client, topic).stream().map(ConsumerRecord::value).toList();
    assertThat(events).hasSize(expected);
    return events;
  }
}
