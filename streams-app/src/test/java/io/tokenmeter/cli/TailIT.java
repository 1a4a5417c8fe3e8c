package io.tokenmeter.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.UsageRollup;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.schemas.serde.AvroSerializer;
import io.tokenmeter.testkit.junit.SharedBroker;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** tail against a real broker: decoded, filtered, as a table or JSON lines. */
class TailIT {

  @RegisterExtension
  static final SharedBroker broker = new SharedBroker();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant MINUTE = Instant.parse("2026-11-27T10:15:00Z");

  @BeforeAll
  static void topicsWithRecords() throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      admin
          .createTopics(List.of(
              new NewTopic("llm.rollups.1m", 2, (short) 1),
              new NewTopic("llm.alerts", 1, (short) 1),
              new NewTopic("tail.live", 1, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    try (KafkaProducer<byte[], byte[]> producer = producer();
        AvroSerializer<UsageRollup> rollups =
            new AvroSerializer<>(UsageRollup.class, AvroSerdeConfig.withoutRegistry());
        AvroSerializer<Alert> alerts =
            new AvroSerializer<>(Alert.class, AvroSerdeConfig.withoutRegistry())) {
      for (UsageRollup r : List.of(
          rollup("gpt-4o", "org-1", 12_345L),
          rollup("gpt-4o", "org-2", 1L),
          rollup("o1", "org-1", null))) {
        producer
            .send(new ProducerRecord<>("llm.rollups.1m", rollups.serialize("llm.rollups.1m", r)))
            .get();
      }
      producer
          .send(new ProducerRecord<>("llm.rollups.1m", 0, null, new byte[] {1, 2, 3}))
          .get();
      producer
          .send(
              new ProducerRecord<>("llm.alerts", alerts.serialize("llm.alerts", alert("critical"))))
          .get();
      producer
          .send(
              new ProducerRecord<>("llm.alerts", alerts.serialize("llm.alerts", alert("warning"))))
          .get();
    }
  }

  @Test
  void fromTheBeginningOnlyMatchingRollupsArePrintedAsATableThatFitsTheWidth() {
    CliRun run = CliRun.of(
        "tail",
        "rollups",
        "--bootstrap-server",
        broker.bootstrapServers(),
        "--from-beginning",
        "--where",
        "model=gpt-4o,org_id=org-1",
        "--timeout",
        "3s",
        "--width",
        "100");

    // The undecodable record is reported and skipped, which the exit code says.
    assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.SOME_SKIPPED);
    assertThat(run.err()).contains("cannot decode").contains("printed 1, skipped 1");
    List<String> lines = run.out().lines().toList();
    assertThat(lines).hasSize(2);
    assertThat(lines).allSatisfy(line -> assertThat(line).hasSizeLessThanOrEqualTo(100));
    assertThat(lines.get(0)).startsWith("window_start  ").contains("model").contains("cost_usd");
    assertThat(lines.get(1))
        .startsWith("2026-11-27 10:15:00  gpt-4o")
        .contains("org-1")
        .contains("0.012345");
  }

  @Test
  void jsonFormatPrintsTheMatchingRecordsWithTheirAvroFieldNames() throws Exception {
    CliRun run = CliRun.of(
        "tail",
        "llm.alerts",
        "--bootstrap-server",
        broker.bootstrapServers(),
        "--from-beginning",
        "--where",
        "severity=critical",
        "--format",
        "json",
        "--timeout",
        "3s");

    assertThat(run.exitCode()).as(run.err()).isZero();
    List<String> lines = run.out().lines().toList();
    assertThat(lines).hasSize(1);
    JsonNode alert = JSON.readTree(lines.get(0));
    assertThat(alert.get("severity").asText()).isEqualTo("critical");
    assertThat(alert.get("state").asText()).isEqualTo("FIRING");
    assertThat(alert.get("scope").get("org_id").asText()).isEqualTo("org-1");
  }

  @Test
  void withoutFromBeginningOnlyRecordsThatArriveAfterTheStartArePrinted() throws Exception {
    try (KafkaProducer<byte[], byte[]> producer = producer();
        AvroSerializer<UsageRollup> avro =
            new AvroSerializer<>(UsageRollup.class, AvroSerdeConfig.withoutRegistry())) {
      producer
          .send(new ProducerRecord<>(
              "tail.live", avro.serialize("tail.live", rollup("old", "org-1", 1L))))
          .get();
      CompletableFuture<CliRun> tail = CompletableFuture.supplyAsync(() -> CliRun.of(
          "tail",
          "tail.live",
          "--type",
          "rollups",
          "--bootstrap-server",
          broker.bootstrapServers(),
          "--format",
          "json",
          "--max",
          "1",
          "--timeout",
          "60s"));
      // tail finds the end of the topic when it first polls; send until it has seen one new record.
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> {
            producer
                .send(new ProducerRecord<>(
                    "tail.live", avro.serialize("tail.live", rollup("new", "org-1", 2L))))
                .get();
            return tail.isDone();
          });
      CliRun run = tail.get();

      assertThat(run.exitCode()).as(run.err()).isZero();
      assertThat(run.out().lines().toList())
          .singleElement()
          .satisfies(
              line -> assertThat(JSON.readTree(line).get("model").asText()).isEqualTo("new"));
    }
  }

  @Test
  void anUnknownWhereFieldFailsNamingItAndListingTheValidFields() {
    CliRun run = CliRun.of(
        "tail", "rollups", "--bootstrap-server", broker.bootstrapServers(), "--where", "org=org-1");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err())
        .contains(
            "--where: unknown field 'org'; valid fields: window_start, window_end, model, org_id")
        .doesNotContain("latency_sketch")
        .doesNotContain("errors_by_class");
  }

  @Test
  void helpListsExamples() {
    CliRun run = CliRun.of("tail", "--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .contains("Examples:")
        .contains("tokenmeter tail rollups --bootstrap-server");
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    return new KafkaProducer<>(
        Map.of("bootstrap.servers", broker.bootstrapServers()),
        new ByteArraySerializer(),
        new ByteArraySerializer());
  }

  private static UsageRollup rollup(String model, String org, Long costMicros) {
    return UsageRollup.newBuilder()
        .setWindowStart(MINUTE)
        .setWindowEnd(MINUTE.plusSeconds(60))
        .setModel(model)
        .setOrgId(org)
        .setProjectId("proj-web")
        .setApiKeyFingerprint("3f2a")
        .setApiKeyHint("sk-...abcd")
        .setService("checkout")
        .setRequests(10)
        .setErrors(1)
        .setInputTokens(500)
        .setOutputTokens(90)
        .setCacheReadInputTokens(0)
        .setCacheCreationInputTokens(0)
        .setReasoningOutputTokens(0)
        .setRequestsWithoutUsage(0)
        .setCostMicros(costMicros)
        .setUnpricedRequests(costMicros == null ? 10 : 0)
        .build();
  }

  private static Alert alert(String severity) {
    return Alert.newBuilder()
        .setDedupKey("error_rate:org-1:gpt-4o")
        .setState(AlertState.FIRING)
        .setAlertType("error_rate")
        .setSeverity(severity)
        .setScope(Map.of("org_id", "org-1", "model", "gpt-4o"))
        .setObservedValue(0.3)
        .setThreshold(0.05)
        .setWindowStart(MINUTE)
        .setWindowEnd(MINUTE.plusSeconds(300))
        .setSummary("error rate 30% on gpt-4o for org-1")
        .setEmittedAt(MINUTE.plusSeconds(300))
        .setDetails(Map.of())
        .build();
  }
}
