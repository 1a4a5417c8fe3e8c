package io.tokenmeter.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenmeter.config.AlertSettings;
import io.tokenmeter.config.HttpSettings;
import io.tokenmeter.config.KafkaSettings;
import io.tokenmeter.config.PricingSettings;
import io.tokenmeter.config.RollupSettings;
import io.tokenmeter.config.TokenmeterConfig;
import io.tokenmeter.config.TopicSettings;
import io.tokenmeter.cost.Pricing;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.sdk.LlmCall;
import io.tokenmeter.sdk.Tokenmeter;
import io.tokenmeter.testkit.junit.SharedBroker;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The alerts on a real broker with exactly-once: a rate-limit surge sent through the producer SDK
 * yields its FIRING alert on the alerts topic, read with read_committed, exactly once.
 */
class AlertsIT {

  private static final String SECRET = "alerts-it-secret-0123456789abcdef0123456789";
  private static final String DEDUP_KEY = "rate_limit_requests:org-surge/proj-1:gpt-4o";

  @RegisterExtension
  static final SharedBroker broker = new SharedBroker();

  /** Everything priced, so no unpriced-model alert joins the one under test. */
  private static final Pricing PRICING = new Pricing() {
    @Override
    public String version() {
      return "alerts-it-1";
    }

    @Override
    public OptionalLong costMicros(LlmCallEvent e) {
      return OptionalLong.of(1);
    }
  };

  @Test
  void aRateLimitSurgeFiresItsAlertWithinTheMinuteExactlyOnce() throws Exception {
    TokenmeterConfig config = config();
    // All calls in one event-time minute, whatever the wall clock does while they are sent.
    Instant minute =
        Instant.ofEpochMilli(Math.floorDiv(Instant.now().toEpochMilli(), 60_000L) * 60_000L);

    try (TokenmeterApp app = new TokenmeterApp(config, PRICING)) {
      app.start();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> app.streams().state() == KafkaStreams.State.RUNNING);

      try (Tokenmeter sdk = Tokenmeter.builder()
          .bootstrapServers(broker.bootstrapServers())
          .topic(config.topics().calls())
          .service("checkout")
          .environment("it")
          .fingerprintSecret(SECRET)
          .build()) {
        // 8 of the 10 requests a minute allowed: the 8th crosses the 80% warning, and no call
        // reaches the 95% critical.
        for (int i = 0; i < 8; i++) {
          sdk.record(LlmCall.builder()
              .eventId("surge-" + i)
              .timestamp(minute.plusMillis(i))
              .provider("openai")
              .operation("chat")
              .requestModel("gpt-4o")
              .orgId("org-surge")
              .projectId("proj-1")
              .apiKey("sk-proj-ALERTSIT00000000000000000000000000000000000000abcd")
              .inputTokens(100)
              .outputTokens(10)
              .durationMs(100)
              .statusCode(200)
              .build());
        }
        assertThat(sdk.flush(Duration.ofSeconds(30))).isTrue();
      }

      List<Alert> alerts = new ArrayList<>();
      try (KafkaConsumer<String, Alert> consumer = committedReader()) {
        consumer.subscribe(List.of(config.topics().alerts()));
        await().atMost(Duration.ofSeconds(60)).until(() -> poll(consumer, alerts) >= 1);
        // Exactly once: nothing more arrives while the app keeps running and committing.
        await()
            .during(Duration.ofSeconds(5))
            .atMost(Duration.ofSeconds(15))
            .until(() -> poll(consumer, alerts) == 1);
      }

      Alert alert = alerts.get(0);
      assertThat(alert.getDedupKey()).isEqualTo(DEDUP_KEY);
      assertThat(alert.getState()).isEqualTo(AlertState.FIRING);
      assertThat(alert.getAlertType()).isEqualTo("rate_limit_requests");
      assertThat(alert.getSeverity().toString()).isEqualTo("warning");
      assertThat(alert.getScope())
          .containsExactlyInAnyOrderEntriesOf(
              Map.of("org_id", "org-surge", "project_id", "proj-1", "model", "gpt-4o"));
      assertThat(alert.getObservedValue()).isEqualTo(0.8);
      assertThat(alert.getThreshold()).isEqualTo(0.8);
      assertThat(alert.getWindowStart()).isEqualTo(minute);
      assertThat(app.close(Duration.ofSeconds(30))).isTrue();
    }
  }

  private static int poll(KafkaConsumer<String, Alert> consumer, List<Alert> into) {
    for (ConsumerRecord<String, Alert> r : consumer.poll(Duration.ofMillis(500))) {
      assertThat(r.key()).isEqualTo(r.value().getDedupKey());
      into.add(r.value());
    }
    return into.size();
  }

  private static KafkaConsumer<String, Alert> committedReader() {
    return new KafkaConsumer<>(
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(),
            ConsumerConfig.GROUP_ID_CONFIG,
            "alerts-it-reader-" + UUID.randomUUID(),
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            "earliest",
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            "read_committed"),
        new StringDeserializer(),
        new AvroDeserializer<>(Alert.class, AvroSerdeConfig.withoutRegistry()));
  }

  /** Like RollupIT's: fresh topics and application id, exactly-once v2, a short grace. */
  private static TokenmeterConfig config() throws Exception {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    return new TokenmeterConfig(
        new KafkaSettings(
            broker.bootstrapServers(),
            "tokenmeter-alerts-it-" + suffix,
            KafkaSettings.ProcessingGuarantee.EXACTLY_ONCE_V2,
            Files.createTempDirectory("tokenmeter-alerts-it-state-"),
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
            Duration.ofSeconds(30),
            Duration.ofHours(1),
            Duration.ofMillis(500),
            10_000,
            Duration.ofSeconds(10),
            1000,
            Duration.ofHours(24)),
        new AlertSettings(
            0.8,
            0.95,
            2,
            List.of(new AlertSettings.RateLimit("org-surge", "proj-1", "gpt-4o", 10L, null)),
            new AlertSettings.ErrorRate(20, 3.0, 0.05, 0.2),
            Set.of()),
        new PricingSettings(Optional.empty()),
        new HttpSettings(false, "127.0.0.1", 0));
  }
}
