package io.tokenmeter.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenmeter.app.CallTrace.RollupId;
import io.tokenmeter.app.CallTrace.Totals;
import io.tokenmeter.config.PricingSettings;
import io.tokenmeter.cost.Pricing;
import io.tokenmeter.cost.TablePricing;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.SdkInfo;
import io.tokenmeter.schemas.UsageRollup;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.schemas.serde.AvroSerializer;
import io.tokenmeter.sdk.LlmCall;
import io.tokenmeter.sdk.Tokenmeter;
import io.tokenmeter.testkit.ApicurioRegistry;
import io.tokenmeter.testkit.junit.SharedBroker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * A new schema version rolled out while the app runs, against a real broker and a real Apicurio
 * Registry (BACKWARD on the subjects): v1 producers (the SDK, and our serializer as {@code
 * tokenmeter produce} uses it) and a v2 producer (a next version with one new optional field,
 * written in the Confluent wire format as any registry-aware client writes it) share the calls
 * topic. Then schemas the rule forbids are refused at registration, before a byte is written.
 *
 * <p>Both tests share one app. The second ends with an event of the last minute, which moves
 * stream time past the first test's trace, so it runs second.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
// Captures this JVM's stderr: no other test class may write to it meanwhile.
@Isolated
class SchemaEvolutionInFlightIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final int EVENTS = 3_000;
  /** Sends per batch: about 4 s of the trace's event time, well inside the grace period. */
  private static final int BATCH = 50;
  // Also the idle time after which the app closes windows by the wall clock: room for a slow CI
  // between batches.
  private static final Duration GRACE = Duration.ofSeconds(20);
  private static final String SDK_SERVICE = "sdk-checkout";
  private static final Schema V2 = schema("/evolution/LlmCallEvent-v2-optional-field.avsc");

  @RegisterExtension
  static final SharedBroker broker = new SharedBroker();

  @TempDir
  static Path dir;

  private static ApicurioRegistry registry;
  private static HttpClient http;
  private static AppConfig config;
  private static String deadLetterTopic;
  private static AvroSerdeConfig avro;
  private static AppProcess app;

  /** The order an operator follows: the compatibility rule first, then the app, then producers. */
  @BeforeAll
  static void startRegistryAndApp() throws Exception {
    registry = ApicurioRegistry.start();
    http = HttpClient.newHttpClient();
    avro = AvroSerdeConfig.withRegistry(registry.ccompatUrl());
    config = AppConfig.create(broker.bootstrapServers(), dir, 4, GRACE);
    requireBackwardCompatibility(config.calls() + "-value");
    requireBackwardCompatibility(config.rollups() + "-value");
    Map<String, String> properties =
        new TreeMap<>(config.instance("exactly_once_v2", dir.resolve("state")));
    properties.put("kafka.schema.registry.url", registry.ccompatUrl());
    deadLetterTopic = properties.get("topics.calls.dead.letter");
    app = AppProcess.start("app", dir, properties).awaitRunning();
  }

  @AfterAll
  static void stopAppAndRegistry() {
    if (app != null) {
      app.close();
    }
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  @Order(1)
  void v2ProducerJoinsV1ProducersInFlightAndEveryEventCountsExactlyOnce() throws Exception {
    Pricing pricing = TablePricing.from(new PricingSettings(Optional.of(config.priceFile())));
    Instant lastMinute =
        Instant.ofEpochMilli(Math.floorDiv(System.currentTimeMillis(), 60_000L) * 60_000L);
    CallTrace trace = CallTrace.generate(
        20261127L,
        EVENTS,
        lastMinute.minus(Duration.ofMinutes(7)),
        Duration.ofMinutes(4),
        Duration.ofSeconds(3));
    List<LlmCallEvent> sends = trace.sends();
    int v2From = sends.size() / 3;
    String subject = config.calls() + "-value";
    Map<String, Producer> producerOf = assignProducers(sends, v2From);

    try (Tokenmeter sdk = sdk(config.calls());
        KafkaProducer<String, LlmCallEvent> v1 = new KafkaProducer<>(
            producerProperties(),
            new StringSerializer(),
            new AvroSerializer<>(LlmCallEvent.class, avro));
        KafkaProducer<String, byte[]> v2 = new KafkaProducer<>(
            producerProperties(), new StringSerializer(), new ByteArraySerializer());
        StreamsGroupProbe group = new StreamsGroupProbe(
            broker.bootstrapServers(), config.applicationId(), config.calls())) {
      for (int from = 0; from < v2From; from += BATCH) {
        sendInOrder(
            sends.subList(from, Math.min(from + BATCH, v2From)), producerOf, sdk, v1, v2, 0);
      }
      // Register v2 mid-stream: the app is processing v1 records when the subject gains a version.
      await("app committed v1 records")
          .atMost(Duration.ofMinutes(1))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> group.committedTotal() > 0);
      int v1Id = latestId(subject);
      int v2Id = register(subject, V2.toString());
      assertThat(v2Id).as("v2 gets its own id").isNotEqualTo(v1Id);
      assertThat(get("/subjects/" + subject + "/versions")).hasSize(2);

      for (int from = v2From; from < sends.size(); from += BATCH) {
        sendInOrder(
            sends.subList(from, Math.min(from + BATCH, sends.size())),
            producerOf,
            sdk,
            v1,
            v2,
            v2Id);
      }
      Tokenmeter.Stats stats = sdk.stats();
      assertThat(stats.dropped()).as("SDK drops: %s", stats).isZero();
      assertThat(stats.sent())
          .isEqualTo(sends.stream()
              .filter(e -> producerOf.get(e.getEventId()) == Producer.SDK)
              .count());
    }

    List<LlmCallEvent> expected = sends.stream()
        .map(e -> producerOf.get(e.getEventId()) == Producer.SDK ? asTheSdkWritesIt(e) : e)
        .toList();
    Map<RollupId, Totals> reference =
        new CallTrace(expected, trace.distinctEvents()).reference(pricing);
    List<UsageRollup> rollups = FinalRollups.read(
        broker.bootstrapServers(),
        config.rollups(),
        reference.keySet(),
        Duration.ofMinutes(2),
        avro);
    Map<RollupId, List<UsageRollup>> byId = rollups.stream()
        .collect(Collectors.groupingBy(RollupId::of, TreeMap::new, Collectors.toList()));
    assertThat(byId.keySet())
        .as(
            "one rollup per (window, dimensions), nothing missing, nothing invented; app log %s",
            app.log())
        .containsExactlyInAnyOrderElementsOf(reference.keySet());
    assertThat(rollups).as("no rollup emitted twice").hasSize(reference.size());
    Map<RollupId, Totals> actual = new TreeMap<>();
    byId.forEach((id, copies) -> actual.put(id, Totals.of(copies.get(0))));
    assertThat(actual).isEqualTo(reference);
    assertThat(deadLetters()).as("dead letters").isEmpty();
    assertThat(EnumSet.copyOf(producerOf.values()))
        .as("every producer sent events")
        .containsExactlyInAnyOrder(Producer.values());
  }

  @Test
  @Order(2)
  void incompatibleSchemasAreRefusedAtRegistrationAndTheAppRunsOn() throws Exception {
    String callsSubject = config.calls() + "-value";
    String rollupsSubject = config.rollups() + "-value";
    // What the app registers with its first rollup, and v1 on the calls topic, unless done already.
    new AvroSerializer<>(UsageRollup.class, avro).serialize(config.rollups(), rollup());
    new AvroSerializer<>(LlmCallEvent.class, avro)
        .serialize(config.calls(), event("warm-up", Instant.now()));
    int callsVersions = get("/subjects/" + callsSubject + "/versions").size();
    int deadLettersBefore = deadLetters().size();
    long callsEnd = total(endOffsets(config.calls()));

    // A producer built from a schema that changed a field's type: refused, its reason names the
    // path.
    HttpResponse<String> changedType = post(
        "/subjects/" + callsSubject + "/versions",
        JSON.createObjectNode()
            .put("schema", text("/evolution/LlmCallEvent-input-tokens-as-string.avsc"))
            .toString());
    assertThat(changedType.statusCode()).as(changedType.body()).isEqualTo(409);
    assertThat(changedType.body())
        .contains("Incompatible artifact")
        .contains(callsSubject)
        .contains("at /fields/"
            + LlmCallEvent.getClassSchema().getField("input_tokens").pos() + "/");
    System.out.println("registry refused the changed field type: " + changedType.body());

    // Our serializer, handed the wrong record type for the topic: the message names the subject and
    // carries the registry's reason.
    AvroSerializer<Alert> wrongType = new AvroSerializer<>(Alert.class, avro);
    assertThatThrownBy(() -> wrongType.serialize(config.calls(), alert()))
        .isExactlyInstanceOf(SerializationException.class)
        .hasMessageContaining(
            "refused to register schema under subject " + callsSubject + ": HTTP 409")
        .hasMessageContaining("Incompatible artifact");

    // The SDK pointed at the rollups topic by mistake: the caller sees nothing, the event is
    // counted
    // as a serialization drop, and the log line says why.
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream stderr = System.err;
    System.setErr(new PrintStream(new TeeStream(stderr, captured), true, StandardCharsets.UTF_8));
    try (Tokenmeter misdirected = sdk(config.rollups())) {
      misdirected.record(asSdkCall(event("misdirected", Instant.now())));
      await("SDK counted the refusal")
          .atMost(Duration.ofMinutes(1))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> misdirected.stats().droppedSerialization() == 1);
      assertThat(misdirected.stats().sent()).isZero();
      await("SDK logged the refusal")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> captured
              .toString(StandardCharsets.UTF_8)
              .contains("Tokenmeter dropped an event (serialization)"));
    } finally {
      System.setErr(stderr);
    }
    assertThat(captured.toString(StandardCharsets.UTF_8))
        .contains("refused to register schema under subject " + rollupsSubject + ": HTTP 409")
        .contains("Incompatible artifact");

    assertThat(get("/subjects/" + callsSubject + "/versions"))
        .as("no version added")
        .hasSize(callsVersions);
    assertThat(total(endOffsets(config.calls())))
        .as("nothing written to the calls topic")
        .isEqualTo(callsEnd);

    // The app runs on: a v1 event sent now is counted, and nothing went to the dead-letter topic.
    assertThat(app.isAlive()).as("app alive; log %s", app.log()).isTrue();
    LlmCallEvent after = LlmCallEvent.newBuilder(event("after-refusals", lastClosedMinute()))
        .setOrgId("org-after")
        .build();
    try (KafkaProducer<String, LlmCallEvent> v1 = new KafkaProducer<>(
        producerProperties(),
        new StringSerializer(),
        new AvroSerializer<>(LlmCallEvent.class, avro))) {
      v1.send(new ProducerRecord<>(
              config.calls(),
              null,
              after.getTimestamp().toEpochMilli(),
              CallTrace.recordKey(after),
              after))
          .get(1, TimeUnit.MINUTES);
    }
    RollupId id = RollupId.of(after);
    List<UsageRollup> rollups = FinalRollups.read(
        broker.bootstrapServers(), config.rollups(), Set.of(id), Duration.ofMinutes(2), avro);
    assertThat(rollups)
        .filteredOn(r -> RollupId.of(r).equals(id))
        .extracting(UsageRollup::getRequests)
        .containsExactly(1L);
    assertThat(deadLetters()).as("dead letters").hasSize(deadLettersBefore);
  }

  /** Who sends an event: every copy of one event id goes through the same producer. */
  private enum Producer {
    SDK,
    V1_SERIALIZER,
    V2
  }

  /** Before {@code v2From} only the v1 producers exist; after it, all three take turns. */
  private static Map<String, Producer> assignProducers(List<LlmCallEvent> sends, int v2From) {
    Map<String, Producer> producerOf = new HashMap<>();
    for (int i = 0; i < sends.size(); i++) {
      int turn = i;
      producerOf.computeIfAbsent(
          sends.get(i).getEventId(), id -> Producer.values()[turn % (turn < v2From ? 2 : 3)]);
    }
    return producerOf;
  }

  /**
   * Sends one batch through the producers its events belong to, and returns once all three have
   * every one of them acknowledged. Three independent producers reorder what they send; a batch
   * spans a few seconds of event time, so no event lands behind a closed window.
   */
  private static void sendInOrder(
      List<LlmCallEvent> batch,
      Map<String, Producer> producerOf,
      Tokenmeter sdk,
      KafkaProducer<String, LlmCallEvent> v1,
      KafkaProducer<String, byte[]> v2,
      int v2Id)
      throws Exception {
    List<Future<RecordMetadata>> acks = new ArrayList<>();
    for (LlmCallEvent e : batch) {
      long at = e.getTimestamp().toEpochMilli();
      String key = CallTrace.recordKey(e);
      switch (producerOf.get(e.getEventId())) {
        case SDK -> sdk.record(asSdkCall(e));
        case V1_SERIALIZER ->
          acks.add(v1.send(new ProducerRecord<>(config.calls(), null, at, key, e)));
        case V2 ->
          acks.add(v2.send(new ProducerRecord<>(config.calls(), null, at, key, asV2(e, v2Id))));
      }
    }
    v1.flush();
    v2.flush();
    for (Future<RecordMetadata> ack : acks) {
      ack.get(1, TimeUnit.MINUTES);
    }
    assertThat(sdk.flush(Duration.ofMinutes(1))).as("SDK flushed").isTrue();
  }

  /** The event as a v2 producer writes it: the v2 fields, the new one set, in the Confluent wire format. */
  private static byte[] asV2(LlmCallEvent e, int schemaId) throws IOException {
    ByteArrayOutputStream v1Body = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(v1Body, null);
    new SpecificDatumWriter<>(LlmCallEvent.class).write(e, encoder);
    encoder.flush();
    GenericRecord record = new GenericDatumReader<GenericRecord>(LlmCallEvent.getClassSchema(), V2)
        .read(null, DecoderFactory.get().binaryDecoder(v1Body.toByteArray(), null));
    record.put("conversation_id", "conv-" + e.getEventId());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(ByteBuffer.allocate(4).putInt(schemaId).array());
    encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(V2).write(record, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  private static LlmCall asSdkCall(LlmCallEvent e) {
    LlmCall.Builder b = LlmCall.builder()
        .eventId(e.getEventId())
        .timestamp(e.getTimestamp())
        .provider(e.getProvider())
        .operation(e.getOperation())
        .requestModel(e.getRequestModel())
        .orgId(e.getOrgId())
        .projectId(e.getProjectId())
        .streaming(e.getStreaming());
    if (e.getInputTokens() != null) {
      b.inputTokens(e.getInputTokens());
    }
    if (e.getOutputTokens() != null) {
      b.outputTokens(e.getOutputTokens());
    }
    if (e.getCacheReadInputTokens() != null) {
      b.cacheReadInputTokens(e.getCacheReadInputTokens());
    }
    if (e.getReasoningOutputTokens() != null) {
      b.reasoningOutputTokens(e.getReasoningOutputTokens());
    }
    if (e.getDurationMs() != null) {
      b.durationMs(e.getDurationMs());
    }
    if (e.getStatusCode() != null) {
      b.statusCode(e.getStatusCode());
    }
    return b.errorType(e.getErrorType()).build();
  }

  /** The dimensions the SDK gives the event: its own service, and no key, so an empty fingerprint. */
  private static LlmCallEvent asTheSdkWritesIt(LlmCallEvent e) {
    return LlmCallEvent.newBuilder(e)
        .setService(SDK_SERVICE)
        .setApiKeyFingerprint("")
        .setApiKeyHint(null)
        .build();
  }

  private static Tokenmeter sdk(String topic) {
    return Tokenmeter.builder()
        .bootstrapServers(broker.bootstrapServers())
        .topic(topic)
        .service(SDK_SERVICE)
        .environment("it")
        .schemaRegistryUrl(registry.ccompatUrl())
        .fingerprintSecret("0123456789abcdef0123456789abcdef-evolution")
        .build();
  }

  private static Map<String, Object> producerProperties() {
    return Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        broker.bootstrapServers(),
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
        true,
        ProducerConfig.ACKS_CONFIG,
        "all",
        ProducerConfig.LINGER_MS_CONFIG,
        5);
  }

  /** Every record on the dead-letter topic, read to its end as the app's transactions left it. */
  private static List<ConsumerRecord<byte[], byte[]>> deadLetters() {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(),
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            "read_committed",
            ConsumerConfig.GROUP_ID_CONFIG,
            "dlq-reader-" + UUID.randomUUID(),
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            false),
        new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(deadLetterTopic).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition()))
          .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      await("dead-letter topic read to its end")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ZERO)
          .until(() -> {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            return end.entrySet().stream()
                .allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
          });
    }
    return records;
  }

  private static Map<TopicPartition, Long> endOffsets(String topic) {
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
        Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
        new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      return consumer.endOffsets(consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition()))
          .toList());
    }
  }

  private static long total(Map<TopicPartition, Long> offsets) {
    return offsets.values().stream().mapToLong(Long::longValue).sum();
  }

  /** A minute that ended more than the grace period ago: its window closes on the wall clock. */
  private static Instant lastClosedMinute() {
    long now = System.currentTimeMillis() - GRACE.toMillis() - 60_000L;
    return Instant.ofEpochMilli(Math.floorDiv(now, 60_000L) * 60_000L + 1_000L);
  }

  private static LlmCallEvent event(String id, Instant at) {
    return LlmCallEvent.newBuilder()
        .setEventId(id + "-" + UUID.randomUUID())
        .setTimestamp(at)
        .setSdk(new SdkInfo("evolution-it", "1"))
        .setService("checkout")
        .setEnvironment("it")
        .setOrgId("org-a")
        .setProjectId("proj-1")
        .setApiKeyFingerprint("a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1")
        .setProvider("openai")
        .setOperation("chat")
        .setRequestModel("gpt-4o")
        .setInputTokens(100L)
        .setOutputTokens(20L)
        .setStatusCode(200)
        .build();
  }

  private static Alert alert() {
    return Alert.newBuilder()
        .setDedupKey("rate_limit_tokens/org-a/gpt-4o")
        .setState(AlertState.FIRING)
        .setAlertType("rate_limit_tokens")
        .setSeverity("warning")
        .setScope(Map.of("org_id", "org-a"))
        .setSummary("org-a used 82% of its gpt-4o token limit")
        .setEmittedAt(Instant.now())
        .build();
  }

  private static UsageRollup rollup() {
    Instant start = Instant.parse("2026-11-27T10:00:00Z");
    return UsageRollup.newBuilder()
        .setWindowStart(start)
        .setWindowEnd(start.plusSeconds(60))
        .setModel("gpt-4o")
        .setOrgId("org-a")
        .setProjectId("proj-1")
        .setApiKeyFingerprint("")
        .setService("checkout")
        .setRequests(1)
        .setErrors(0)
        .setErrorsByClass(Map.of())
        .setInputTokens(1)
        .setOutputTokens(1)
        .setCacheReadInputTokens(0)
        .setCacheCreationInputTokens(0)
        .setReasoningOutputTokens(0)
        .setRequestsWithoutUsage(0)
        .setUnpricedRequests(0)
        .setFoldedEvents(0)
        .build();
  }

  /**
   * Apicurio starts with no compatibility rule (NONE); the ccompat {@code PUT /config/{subject}}
   * sets one per subject, before its first version too.
   */
  private static void requireBackwardCompatibility(String subject) throws Exception {
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(URI.create(registry.ccompatUrl() + "/config/" + subject))
            .header("Content-Type", CONTENT_TYPE)
            .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"BACKWARD\"}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  private static int register(String subject, String schemaText) throws Exception {
    HttpResponse<String> response = post(
        "/subjects/" + subject + "/versions",
        JSON.createObjectNode().put("schema", schemaText).toString());
    assertThat(response.statusCode()).as("registering v2: %s", response.body()).isEqualTo(200);
    return JSON.readTree(response.body()).get("id").asInt();
  }

  private static int latestId(String subject) throws Exception {
    return get("/subjects/" + subject + "/versions/latest").get("id").asInt();
  }

  private static HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(registry.ccompatUrl() + path))
            .header("Content-Type", CONTENT_TYPE)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode get(String path) throws Exception {
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(URI.create(registry.ccompatUrl() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private static String text(String resource) {
    try (InputStream in = SchemaEvolutionInFlightIT.class.getResourceAsStream(resource)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Schema schema(String resource) {
    return new Schema.Parser().parse(text(resource));
  }

  /** Copies the SDK's log output so the test can read it, while it still reaches the console. */
  private static final class TeeStream extends OutputStream {
    private final OutputStream console;
    private final ByteArrayOutputStream copy;

    TeeStream(OutputStream console, ByteArrayOutputStream copy) {
      this.console = console;
      this.copy = copy;
    }

    @Override
    public void write(int b) throws IOException {
      console.write(b);
      synchronized (copy) {
        copy.write(b);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      console.write(b, off, len);
      synchronized (copy) {
        copy.write(b, off, len);
      }
    }
  }
}
