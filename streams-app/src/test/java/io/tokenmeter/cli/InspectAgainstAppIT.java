package io.tokenmeter.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.SdkInfo;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.schemas.serde.AvroSerializer;
import io.tokenmeter.testkit.junit.SharedBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * top and query against the real app: call events in, final rollups in the app's state, and the
 * CLI's answers over its query API equal the events' totals.
 */
class InspectAgainstAppIT {

  @RegisterExtension
  static final SharedBroker broker = new SharedBroker();

  /** gpt-4o: 2 micro-dollars per input token and 10 per output token; gpt-4o-mini is unpriced. */
  private static final Pricing PRICING = new OneModelPricing("inspect-it-1", "gpt-4o", 2, 10);

  @Test
  void topAndTheIssuesQueryAnswerWithTheTotalsOfTheEventsSent() throws Exception {
    Instant now = Instant.now();
    Instant window =
        Instant.ofEpochMilli(Math.floorDiv(now.toEpochMilli(), 60_000L) * 60_000L - 60_000L);
    TokenmeterConfig config = config();
    try (TokenmeterApp app = new TokenmeterApp(config, PRICING)) {
      app.start();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> app.streams().state() == KafkaStreams.State.RUNNING);
      String url = "http://127.0.0.1:" + app.httpPort().orElseThrow();

      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
              Map.of("bootstrap.servers", broker.bootstrapServers()),
              new ByteArraySerializer(),
              new ByteArraySerializer());
          AvroSerializer<LlmCallEvent> avro =
              new AvroSerializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry())) {
        int i = 0;
        // org-1: two gpt-4o calls (300 micro-dollars each) and one unpriced gpt-4o-mini; org-2: one
        // gpt-4o.
        for (String[] call : List.of(
            new String[] {"org-1", "gpt-4o"}, new String[] {"org-1", "gpt-4o"},
            new String[] {"org-1", "gpt-4o-mini"}, new String[] {"org-2", "gpt-4o"})) {
          LlmCallEvent e = event("evt-" + i, window.plusSeconds(++i), call[0], call[1]);
          producer
              .send(new ProducerRecord<>(
                  config.topics().calls(),
                  (call[0] + "/proj-1").getBytes(StandardCharsets.UTF_8),
                  avro.serialize(config.topics().calls(), e)))
              .get();
        }
      }

      // The window closes once the app has been idle for the grace period.
      await("the rollups are final and queryable")
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> CliRun.of("top", "--url", url, "--group", "org", "--format", "json")
                  .out()
                  .lines()
                  .count()
              == 2);

      CliRun top = CliRun.of(
          "top",
          "--url",
          url,
          "--by",
          "requests",
          "--group",
          "model",
          "--last",
          "15m",
          "--where",
          "org=org-1",
          "--width",
          "100");
      assertThat(top.exitCode()).as(top.err()).isZero();
      assertThat(top.out().lines().toList())
          .containsExactly(
              "model        requests  errors  input_tokens  output_tokens  tokens  cost_usd",
              "gpt-4o              2       0           200             20     220  0.000600",
              "gpt-4o-mini         1       0           100             10     110         -");

      CliRun query = CliRun.of(
          "query",
          "--url",
          url,
          "SELECT model, SUM(cost_micros) FROM rollups WHERE org_id='org-1' "
              + "AND window_start > now() - INTERVAL 1 HOUR GROUP BY model ORDER BY model");
      assertThat(query.exitCode()).as(query.err()).isZero();
      assertThat(query.out().lines().toList())
          .containsExactly("model        EXPR$1", "gpt-4o          600", "gpt-4o-mini");

      CliRun refused = CliRun.of(
          "query",
          "--url",
          url,
          "SELECT COUNT(*) FROM rollups WHERE window_start > now() - INTERVAL 2 DAY");
      assertThat(refused.exitCode()).isEqualTo(ExitCodes.USAGE);
      assertThat(refused.err()).startsWith("error: window_start range: ");
    }
  }

  private static LlmCallEvent event(String id, Instant at, String org, String model) {
    return LlmCallEvent.newBuilder()
        .setEventId(id)
        .setTimestamp(at)
        .setSdk(new SdkInfo("plain-producer", "1"))
        .setService("checkout")
        .setEnvironment("it")
        .setOrgId(org)
        .setProjectId("proj-1")
        .setProvider("openai")
        .setOperation("chat")
        .setRequestModel(model)
        .setInputTokens(100L)
        .setOutputTokens(10L)
        .setDurationMs(200L)
        .setStatusCode(200)
        .build();
  }

  private static TokenmeterConfig config() throws Exception {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    return new TokenmeterConfig(
        new KafkaSettings(
            broker.bootstrapServers(),
            "tokenmeter-inspect-it-" + suffix,
            KafkaSettings.ProcessingGuarantee.EXACTLY_ONCE_V2,
            Files.createTempDirectory("tokenmeter-inspect-it-"),
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
            1,
            (short) 1,
            Duration.ofDays(1),
            Duration.ofDays(1)),
        new RollupSettings(
            Duration.ofSeconds(3),
            Duration.ofHours(1),
            Duration.ofMillis(500),
            10_000,
            Duration.ofSeconds(3),
            1000,
            Duration.ofHours(24)),
        new AlertSettings(
            0.8, 0.95, 2, List.of(), new AlertSettings.ErrorRate(20, 3.0, 0.05, 0.2), Set.of()),
        new PricingSettings(Optional.empty()),
        new HttpSettings(true, "127.0.0.1", 0));
  }
}
