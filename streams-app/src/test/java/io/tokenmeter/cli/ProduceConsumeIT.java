package io.tokenmeter.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenmeter.jsonl.JsonLines;
import io.tokenmeter.jsonl.JsonRecordReader;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.UsageRollup;
import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.schemas.serde.AvroSerializer;
import io.tokenmeter.sdk.SdkRecordKeys;
import io.tokenmeter.testkit.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** produce and consume against a real broker, the way a person would pipe them. */
class ProduceConsumeIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SECRET = "sk-proj-4f1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d5";

  private static KafkaBroker broker;

  @TempDir
  Path dir;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBroker.start();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      admin
          .createTopics(List.of(
              new NewTopic("llm.calls", 3, (short) 1),
              new NewTopic("llm.rollups.1m", 1, (short) 1),
              new NewTopic("team.alerts", 1, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void produceSkipsBadLinesByNumberAndConsumeGivesBackEveryGoodEventFieldByField()
      throws Exception {
    List<String> good = List.of(
        event("evt-1", "org-acme", "proj-web", "checkout"),
        event("evt-2", "org-acme", null, "checkout"),
        event("evt-3", null, "proj-api", "search"),
        event("evt-4", null, null, "search"),
        minimalEvent("evt-5", "billing"));
    List<String> lines = new ArrayList<>();
    lines.add("\uFEFF" + good.get(0)); // a byte-order mark, as Windows editors write

    lines.add(good.get(1));
    lines.add("{\"event_id\": \"evt-broken\","); // line 3
    lines.add(good.get(2));
    lines.add(with(good.get(3), "api_key", SECRET).replace("evt-4", "evt-x")); // line 5
    lines.add(""); // blank: ignored
    lines.add(without(good.get(0), "service").replace("evt-1", "evt-y")); // line 7
    lines.add(good.get(3));
    lines.add(with(good.get(0), "input_tokens", "lots").replace("evt-1", "evt-z")); // line 9
    lines.add(good.get(4));
    lines.add(with(good.get(1), "api_key_hint", SECRET).replace("evt-2", "evt-w")); // line 11
    Path input = Files.write(dir.resolve("events.jsonl"), lines);

    CliRun produce = CliRun.of(
        "produce",
        "--bootstrap-server",
        broker.bootstrapServers(),
        "--topic",
        "llm.calls",
        "--input",
        input.toString());

    assertThat(produce.exitCode()).as(produce.err()).isEqualTo(ExitCodes.SOME_SKIPPED);
    assertThat(produce.err())
        .contains("line 3: not valid JSON")
        .contains("line 5: api_key: unknown field")
        .contains("line 7: service: missing (required)")
        .contains("line 9: input_tokens: expected a whole number, got \"lots\"")
        .contains("line 11: api_key_hint: not a key hint")
        .contains("sent 5, skipped 5")
        .doesNotContain(SECRET)
        .doesNotContainPattern("line (1|2|4|6|8|10):");

    CliRun consume = CliRun.of(
        "consume",
        "--bootstrap-server",
        broker.bootstrapServers(),
        "--topic",
        "llm.calls",
        "--from-beginning",
        "--max",
        "5",
        "--timeout",
        "30s");

    assertThat(consume.exitCode()).as(consume.err()).isZero();
    assertThat(consume.err()).contains("printed 5, skipped 0");
    Map<String, JsonNode> printed = byEventId(consume.out());
    assertThat(printed).hasSize(5);
    for (String line : good) {
      JsonNode sent = JSON.readTree(line);
      assertSameEvent(sent, printed.get(sent.get("event_id").textValue()));
    }
    assertKeysFollowTheSdkRule(5);
  }

  @Test
  void consumeReportsUndecodableRecordsWithTheirOffsetAndPrintsTheRest() throws Exception {
    UsageRollup rollup = JsonRecordReader.forType(UsageRollup.class).read(JsonLines.ROLLUP);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
            Map.of("bootstrap.servers", broker.bootstrapServers()),
            new ByteArraySerializer(),
            new ByteArraySerializer());
        AvroSerializer<UsageRollup> avro =
            new AvroSerializer<>(UsageRollup.class, AvroSerdeConfig.withoutRegistry())) {
      producer
          .send(new ProducerRecord<>(
              "llm.rollups.1m", 0, null, avro.serialize("llm.rollups.1m", rollup)))
          .get();
      producer
          .send(new ProducerRecord<>("llm.rollups.1m", 0, null, new byte[] {1, 2, 3, 4}))
          .get();
      producer
          .send(new ProducerRecord<>(
              "llm.rollups.1m", 0, null, avro.serialize("llm.rollups.1m", rollup)))
          .get();
    }

    CliRun consume = CliRun.of(
        "consume",
        "--bootstrap-server",
        broker.bootstrapServers(),
        "--topic",
        "llm.rollups.1m",
        "--from-beginning",
        "--max",
        "3",
        "--timeout",
        "30s");

    assertThat(consume.exitCode()).as(consume.err()).isEqualTo(ExitCodes.SOME_SKIPPED);
    assertThat(consume.err())
        .contains("llm.rollups.1m/0/1: cannot decode: unknown Avro wire format");
    assertThat(consume.err()).contains("printed 2, skipped 1");
    assertThat(consume.out().lines().map(ProduceConsumeIT::tree))
        .containsOnly(tree(JsonLines.ROLLUP));
  }

  @Test
  void consumeReadsATopicWithAnotherNameWhenToldItsTypeAndStopsWhenQuiet() throws Exception {
    Alert alert = JsonRecordReader.forType(Alert.class).read(JsonLines.ALERT);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
            Map.of("bootstrap.servers", broker.bootstrapServers()),
            new ByteArraySerializer(),
            new ByteArraySerializer());
        AvroSerializer<Alert> avro =
            new AvroSerializer<>(Alert.class, AvroSerdeConfig.withoutRegistry())) {
      producer
          .send(new ProducerRecord<>("team.alerts", avro.serialize("team.alerts", alert)))
          .get();
    }

    // No --max: it is the idle timeout that ends the run.
    CliRun consume = CliRun.of(
        "consume",
        "--bootstrap-server",
        broker.bootstrapServers(),
        "--topic",
        "team.alerts",
        "--type",
        "alerts",
        "--from-beginning",
        "--timeout",
        "3s");

    assertThat(consume.exitCode()).as(consume.err()).isZero();
    assertThat(consume.out().lines().map(ProduceConsumeIT::tree))
        .containsExactly(tree(JsonLines.ALERT));
  }

  @Test
  void consumeShowsDeadLettersWithTheirReasonAndOriginalBytes() throws Exception {
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
        Map.of("bootstrap.servers", broker.bootstrapServers()),
        new ByteArraySerializer(),
        new ByteArraySerializer())) {
      ProducerRecord<byte[], byte[]> letter = new ProducerRecord<>(
          "llm.calls.dlq",
          0,
          "org-1/proj-1".getBytes(java.nio.charset.StandardCharsets.UTF_8),
          new byte[] {9, 9, 9});
      letter
          .headers()
          .add(
              "tokenmeter.dlq.reason",
              "malformed".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      producer.send(letter).get();
    }

    CliRun consume = CliRun.of(
        "consume",
        "--bootstrap-server",
        broker.bootstrapServers(),
        "--topic",
        "llm.calls.dlq",
        "--from-beginning",
        "--max",
        "1",
        "--timeout",
        "30s");

    assertThat(consume.exitCode()).as(consume.err()).isZero();
    JsonNode line = tree(consume.out().strip());
    assertThat(line.get("key").asText()).isEqualTo("org-1/proj-1");
    assertThat(line.get("value_base64").asText()).isEqualTo("CQkJ");
    assertThat(line.get("headers").get("tokenmeter.dlq.reason").asText()).isEqualTo("malformed");
  }

  @Test
  void consumeOfAMissingTopicFailsWithoutCreatingIt() {
    CliRun consume = CliRun.of(
        "consume",
        "--bootstrap-server",
        broker.bootstrapServers(),
        "--topic",
        "no.such.topic",
        "--type",
        "calls");

    assertThat(consume.exitCode()).isEqualTo(ExitCodes.FATAL);
    assertThat(consume.err()).contains("topic no.such.topic does not exist");
  }

  /** Every field sent is printed back unchanged; every field left out is printed as its default. */
  private static void assertSameEvent(JsonNode sent, JsonNode printed) {
    assertThat(printed).as("event %s was not read back", sent.get("event_id")).isNotNull();
    for (Schema.Field field : LlmCallEvent.getClassSchema().getFields()) {
      JsonNode expected =
          sent.has(field.name()) ? sent.get(field.name()) : JSON.valueToTree(defaultOf(field));
      assertThat(printed.get(field.name()))
          .as("%s.%s", sent.get("event_id").textValue(), field.name())
          .isEqualTo(expected);
    }
  }

  private static Object defaultOf(Schema.Field field) {
    Object value = field.defaultVal();
    return value == org.apache.avro.JsonProperties.NULL_VALUE ? NullNode.getInstance() : value;
  }

  /** Keys and record timestamps, read with a plain consumer, as the streams app will see them. */
  private static void assertKeysFollowTheSdkRule(int expected) {
    Map<String, Object> conf = Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        broker.bootstrapServers(),
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
        false);
    List<ConsumerRecord<String, LlmCallEvent>> records = new ArrayList<>();
    try (KafkaConsumer<String, LlmCallEvent> consumer = new KafkaConsumer<>(
        conf,
        new StringDeserializer(),
        new AvroDeserializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry()))) {
      List<TopicPartition> partitions = consumer.partitionsFor("llm.calls").stream()
          .map(p -> new TopicPartition(p.topic(), p.partition()))
          .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        return records.size() >= expected;
      });
    }
    assertThat(records).hasSize(expected);
    for (ConsumerRecord<String, LlmCallEvent> r : records) {
      LlmCallEvent e = r.value();
      assertThat(r.key())
          .as(e.getEventId())
          .isEqualTo(SdkRecordKeys.recordKey(e.getService(), e.getOrgId(), e.getProjectId()));
      assertThat(r.timestamp()).as(e.getEventId()).isEqualTo(e.getTimestamp().toEpochMilli());
    }
  }

  private static String event(String id, String org, String project, String service) {
    ObjectNode e = (ObjectNode) tree(minimalEvent(id, service));
    e.put("org_id", org);
    e.put("project_id", project);
    e.put("api_key_fingerprint", "9f86d081884c7d659a2feaa0c55ad015");
    e.put("api_key_hint", "sk-...d5");
    e.putNull("end_user");
    e.put("response_model", "gpt-4o-2024-08-06");
    e.put("input_tokens", 1200);
    e.put("output_tokens", 350);
    e.put("cache_read_input_tokens", 1024);
    e.put("cache_creation_input_tokens", 0);
    e.putNull("reasoning_output_tokens");
    e.put("duration_ms", 812);
    e.put("time_to_first_token_ms", 140);
    e.put("status_code", 429);
    e.put("error_type", "rate_limited");
    e.put("streaming", true);
    ObjectNode limits = e.putObject("rate_limit");
    limits.put("limit_requests", 10_000);
    limits.put("limit_tokens", 2_000_000);
    limits.put("remaining_requests", 0);
    limits.put("remaining_tokens", 1_998_450);
    limits.put("reset_requests_ms", 12);
    limits.putNull("reset_tokens_ms");
    return e.toString();
  }

  /** Only the required fields: the rest take their defaults. */
  private static String minimalEvent(String id, String service) {
    ObjectNode e = JSON.createObjectNode();
    e.put("event_id", id);
    e.put("timestamp", 1_764_230_400_123L + id.hashCode() % 1000);
    e.putObject("sdk").put("name", "tokenmeter-java").put("version", "0.1.0");
    e.put("service", service);
    e.put("environment", "prod");
    e.put("provider", "openai");
    e.put("operation", "chat");
    e.put("request_model", "gpt-4o");
    return e.toString();
  }

  private static String with(String line, String field, String value) {
    ObjectNode e = (ObjectNode) tree(line);
    e.put(field, value);
    return e.toString();
  }

  private static String without(String line, String field) {
    ObjectNode e = (ObjectNode) tree(line);
    e.remove(field);
    return e.toString();
  }

  private static Map<String, JsonNode> byEventId(String out) {
    Map<String, JsonNode> events = new HashMap<>();
    out.lines()
        .map(ProduceConsumeIT::tree)
        .forEach(e -> events.put(e.get("event_id").textValue(), e));
    return events;
  }

  private static JsonNode tree(String json) {
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      throw new IllegalStateException("not JSON: " + json, e);
    }
  }
}
