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
import io.tokenmeter.cost.OneModelPricing;
import io.tokenmeter.cost.Pricing;
import io.tokenmeter.rollup.DeadLetterHeaders;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.SdkInfo;
import io.tokenmeter.schemas.UsageRollup;
import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.schemas.serde.AvroSerializer;
import io.tokenmeter.sdk.LlmCall;
import io.tokenmeter.sdk.Tokenmeter;
import io.tokenmeter.testkit.junit.SharedBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The app on a real broker with exactly-once: a known trace goes in through the producer SDK (and
 * a plain producer for what the SDK would never send), and the final rollups read back with
 * read_committed equal the trace's totals exactly.
 */
class RollupIT {

  private static final String SECRET = "rollup-it-secret-0123456789abcdef0123456789";

  @RegisterExtension
  static final SharedBroker broker = new SharedBroker();

  /** gpt-4o: 2 micro-dollars per input token and 10 per output token; nothing else is priced. */
  private static final Pricing PRICING = new OneModelPricing("it-1", "gpt-4o", 2, 10);

  @Test
  void finalRollupsOfAKnownTraceEqualItsTotalsExactly() throws Exception {
    // The trace lies in the previous minute. The wall clock closes its window once the task has
    // been idle for the grace period, so the grace only has to cover the gaps between the sends.
    Instant now = Instant.now();
    Instant window =
        Instant.ofEpochMilli(Math.floorDiv(now.toEpochMilli(), 60_000L) * 60_000L - 60_000L);
    Duration grace = Duration.ofSeconds(30);
    TokenmeterConfig config = config(grace);
    TopicSettings topics = config.topics();

    byte[] garbage = "not avro".getBytes(StandardCharsets.UTF_8);
    try (TokenmeterApp app = new TokenmeterApp(config, PRICING)) {
      app.start();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> app.streams().state() == KafkaStreams.State.RUNNING);
      assertThat(health(app.httpPort().orElseThrow()))
          .isEqualTo("200 {\"status\":\"UP\",\"state\":\"RUNNING\"}");

      long expectedInput = 0;
      long expectedOutput = 0;
      try (Tokenmeter sdk = Tokenmeter.builder()
          .bootstrapServers(broker.bootstrapServers())
          .topic(topics.calls())
          .service("checkout")
          .environment("it")
          .fingerprintSecret(SECRET)
          .build()) {
        for (int i = 0; i < 30; i++) {
          LlmCall.Builder call = LlmCall.builder()
              .eventId("evt-" + i)
              .timestamp(window.plusMillis(i * 1000L))
              .provider("openai")
              .operation("chat")
              .requestModel("gpt-4o")
              .orgId(i % 3 == 0 ? "org-b" : "org-a")
              .projectId("proj-1")
              .apiKey("sk-proj-ROLLUPIT000000000000000000000000000000000000abcd")
              .durationMs(100 + i)
              .statusCode(200);
          if (i % 10 == 9) {
            call.inputTokens(0).outputTokens(0).statusCode(429);
          } else {
            call.inputTokens(100 + i).outputTokens(10 + i);
          }
          sdk.record(call.build());
        }
        // A replay of two events: counted once.
        sdk.record(LlmCall.builder()
            .eventId("evt-1")
            .timestamp(window.plusMillis(1000))
            .provider("openai")
            .operation("chat")
            .requestModel("gpt-4o")
            .orgId("org-a")
            .projectId("proj-1")
            .apiKey("sk-proj-ROLLUPIT000000000000000000000000000000000000abcd")
            .inputTokens(101)
            .outputTokens(11)
            .durationMs(101)
            .statusCode(200)
            .build());
        assertThat(sdk.flush(Duration.ofSeconds(30))).isTrue();
      }
      for (int i = 0; i < 30; i++) {
        if (i % 10 != 9 && i % 3 != 0) {
          expectedInput += 100 + i;
          expectedOutput += 10 + i;
        }
      }

      // What the SDK never sends: garbage, and an event under a key that is not org/project. The
      // latter copies the SDK's key fingerprint, so it must land in the same rollup as org-a's
      // calls, which it can only reach through the repartition topic.
      LlmCallEvent sdkEvent = read(
              topics.calls(),
              new StringDeserializer(),
              new AvroDeserializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry()),
              r -> r.stream().anyMatch(c -> "org-a/proj-1".equals(c.key())),
              Duration.ofSeconds(30))
          .stream()
          .filter(c -> "org-a/proj-1".equals(c.key()))
          .findFirst()
          .orElseThrow()
          .value();
      LlmCallEvent misKeyed = event("evt-miskeyed", window.plusSeconds(45), "org-a", 500, 50);
      misKeyed.setApiKeyFingerprint(sdkEvent.getApiKeyFingerprint());
      misKeyed.setApiKeyHint(sdkEvent.getApiKeyHint());
      try (KafkaProducer<byte[], byte[]> raw = rawProducer()) {
        raw.send(new ProducerRecord<>(
                topics.calls(), "wrong-key".getBytes(StandardCharsets.UTF_8), avro(misKeyed)))
            .get();
        raw.send(new ProducerRecord<>(
                topics.calls(), "org-a/proj-1".getBytes(StandardCharsets.UTF_8), garbage))
            .get();
      }
      expectedInput += 500;
      expectedOutput += 50;

      List<ConsumerRecord<String, UsageRollup>> rollups = read(
          topics.rollups(),
          new StringDeserializer(),
          new AvroDeserializer<>(UsageRollup.class, AvroSerdeConfig.withoutRegistry()),
          r -> r.size() >= 2,
          Duration.ofSeconds(150));
      assertThat(rollups).hasSize(2);
      UsageRollup a = only(rollups, r -> r.getOrgId().equals("org-a"));
      UsageRollup b = only(rollups, r -> r.getOrgId().equals("org-b"));
      assertThat(a.getWindowStart()).isEqualTo(window);
      assertThat(a.getRequests()).isEqualTo(20 + 1);
      assertThat(a.getErrors()).isEqualTo(2);
      assertThat(a.getErrorsByClass()).containsExactlyEntriesOf(Map.of("rate_limited", 2L));
      assertThat(a.getInputTokens()).isEqualTo(expectedInput);
      assertThat(a.getOutputTokens()).isEqualTo(expectedOutput);
      assertThat(a.getCostMicros()).isEqualTo(2 * expectedInput + 10 * expectedOutput);
      assertThat(a.getPriceTableVersion()).isEqualTo("it-1");
      assertThat(a.getApiKeyHint()).endsWith("abcd");
      assertThat(b.getRequests()).isEqualTo(10);
      assertThat(b.getErrors()).isEqualTo(1);
      assertThat(rollups)
          .extracting(ConsumerRecord::key)
          .allMatch(k -> k.startsWith(window + "|gpt-4o|org-"));

      assertThat(app.close(Duration.ofSeconds(30))).isTrue();
    }

    // Restarted on the same application id: the window stays closed, so one more event for it is
    // late, and nothing is emitted again.
    try (TokenmeterApp restarted = new TokenmeterApp(config, PRICING)) {
      restarted.start();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> restarted.streams().state() == KafkaStreams.State.RUNNING);
      try (KafkaProducer<byte[], byte[]> raw = rawProducer()) {
        raw.send(new ProducerRecord<>(
                topics.calls(),
                "org-a/proj-1".getBytes(StandardCharsets.UTF_8),
                avro(event("evt-late", window.plusSeconds(50), "org-a", 1, 1))))
            .get();
      }
      List<ConsumerRecord<byte[], byte[]>> dead = read(
          topics.deadLetter(),
          new ByteArrayDeserializer(),
          new ByteArrayDeserializer(),
          r -> r.size() >= 2,
          Duration.ofSeconds(60));
      assertThat(dead).extracting(r -> reason(r)).containsExactlyInAnyOrder("malformed", "late");
      assertThat(dead)
          .filteredOn(r -> reason(r).equals("malformed"))
          .extracting(ConsumerRecord::value)
          .containsExactly(garbage);
      assertThat(read(
              topics.rollups(),
              new StringDeserializer(),
              new ByteArrayDeserializer(),
              r -> r.size() >= 2,
              Duration.ofSeconds(30)))
          .hasSize(2);
      assertThat(restarted.close(Duration.ofSeconds(30))).isTrue();
    }
  }

  private static String reason(ConsumerRecord<?, ?> r) {
    return new String(
        r.headers().lastHeader(DeadLetterHeaders.REASON).value(), StandardCharsets.UTF_8);
  }

  /** Status and body of {@code /health}, as a container health check sees them. */
  private static String health(int port) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return response.statusCode() + " " + response.body();
  }

  private static TokenmeterConfig config(Duration grace) throws Exception {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    return new TokenmeterConfig(
        new KafkaSettings(
            broker.bootstrapServers(),
            "tokenmeter-it-" + suffix,
            KafkaSettings.ProcessingGuarantee.EXACTLY_ONCE_V2,
            Files.createTempDirectory("tokenmeter-it-state-"),
            Duration.ofMillis(200),
            1024 * 1024,
            1,
            Duration.ofMinutes(1),
            Optional.empty(),
            // Kafka Streams does not leave the group on close; the restart waits this out.
            Map.of("session.timeout.ms", "10000")),
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
            grace,
            Duration.ofHours(1),
            Duration.ofMillis(500),
            10_000,
            Duration.ofSeconds(10),
            1000,
            Duration.ofHours(24)),
        new AlertSettings(
            0.8, 0.95, 2, List.of(), new AlertSettings.ErrorRate(20, 3.0, 0.05, 0.2), Set.of()),
        new PricingSettings(Optional.empty()),
        new HttpSettings(true, "127.0.0.1", 0));
  }

  private static LlmCallEvent event(String id, Instant at, String org, long in, long out) {
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
        .setRequestModel("gpt-4o")
        .setInputTokens(in)
        .setOutputTokens(out)
        .setDurationMs(200L)
        .setStatusCode(200)
        .build();
  }

  private static byte[] avro(LlmCallEvent e) {
    try (AvroSerializer<LlmCallEvent> s =
        new AvroSerializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry())) {
      return s.serialize("llm.calls", e);
    }
  }

  private static KafkaProducer<byte[], byte[]> rawProducer() {
    return new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
        new ByteArraySerializer(),
        new ByteArraySerializer());
  }

  /** Reads committed records from the start of {@code topic} until {@code done} holds. */
  private static <K, V> List<ConsumerRecord<K, V>> read(
      String topic,
      Deserializer<K> keys,
      Deserializer<V> values,
      Predicate<List<ConsumerRecord<K, V>>> done,
      Duration timeout) {
    Map<String, Object> props = Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        broker.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG,
        "rollup-it-reader-" + UUID.randomUUID(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
        "earliest",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
        "read_committed");
    List<ConsumerRecord<K, V>> records = new ArrayList<>();
    try (KafkaConsumer<K, V> consumer = new KafkaConsumer<>(props, keys, values)) {
      consumer.subscribe(List.of(topic));
      await().atMost(timeout).until(() -> {
        consumer.poll(Duration.ofMillis(500)).forEach(records::add);
        return done.test(records);
      });
    }
    return records;
  }

  private static UsageRollup only(
      List<ConsumerRecord<String, UsageRollup>> rollups, Predicate<UsageRollup> which) {
    List<UsageRollup> found =
        rollups.stream().map(ConsumerRecord::value).filter(which).toList();
    assertThat(found).hasSize(1);
    return found.get(0);
  }
}
