package io.tokenmeter.bench.flink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.SdkInfo;
import io.tokenmeter.testkit.junit.SharedBroker;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The harness contract end to end: events in single-object encoding on a real broker, the job in a
 * child JVM started from {@link FlinkClasspath#javaClasspath()}, then the rollups on the output
 * topic and the result file checked against totals computed here.
 */
class FlinkRollupJobIT {

  @RegisterExtension
  static final SharedBroker broker = new SharedBroker();

  private static final int EVENTS = 2_000;
  private static final int PARTITIONS = 3;
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void rollsUpEveryEventIntoItsMinuteAndDimensionSet() throws Exception {
    String input = "llm.calls.it";
    String output = "flink.rollups.it";
    try (Admin admin = Admin.create(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      admin
          .createTopics(List.of(new NewTopic(input, Optional.of(PARTITIONS), Optional.empty())))
          .all()
          .get();
    }

    // Three minutes of event time, ending well in the past, slightly out of order (less than
    // grace).
    long base = (Instant.now().minus(Duration.ofHours(1)).toEpochMilli() / 60_000) * 60_000;
    Random random = new Random(42);
    Map<String, long[]> expected = new TreeMap<>();
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(),
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.LINGER_MS_CONFIG,
            5),
        new StringSerializer(),
        new ByteArraySerializer())) {
      for (int i = 0; i < EVENTS; i++) {
        long ts = base + 2_000 + (long) i * 176_000 / EVENTS - random.nextInt(2_000);
        LlmCallEvent e = event(random, i, ts);
        ByteBuffer buf = LlmCallEvent.getEncoder().encode(e);
        byte[] bytes = new byte[buf.remaining()];
        buf.get(bytes);
        String key = nz(e.getOrgId()) + "/" + nz(e.getProjectId());
        producer.send(new ProducerRecord<>(input, key, bytes));
        expect(expected, e);
      }
      producer.flush();
    }
    assertThat(
            expected.keySet().stream().map(k -> k.substring(0, k.indexOf('|'))).distinct())
        .hasSize(3);

    Path resultFile = Paths.get("target", "flink-it-result.json").toAbsolutePath();
    Path log = Paths.get("target", "flink-it-job.log").toAbsolutePath();
    Files.deleteIfExists(resultFile);
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    cmd.add("-cp");
    cmd.add(FlinkClasspath.javaClasspath());
    cmd.add(FlinkClasspath.MAIN_CLASS);
    cmd.addAll(List.of(
        "--bootstrap-servers",
        broker.bootstrapServers(),
        "--topic",
        input,
        "--output-topic",
        output,
        "--group-id",
        "flink-it",
        "--parallelism",
        "2",
        "--grace-seconds",
        "5",
        "--result-file",
        resultFile.toString()));
    long started = System.nanoTime();
    Process job = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    job.getOutputStream().close();
    boolean ended = job.waitFor(120, TimeUnit.SECONDS);
    if (!ended) {
      job.destroyForcibly().waitFor();
    }
    String jobLog = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(ended).as("job ended within 120 s; its log:\n%s", jobLog).isTrue();
    assertThat(job.exitValue()).as("job exit code; its log:\n%s", jobLog).isZero();
    System.out.printf(
        "flink job ran %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));

    Map<String, long[]> actual = new TreeMap<>();
    for (JsonNode row : readAll(output)) {
      assertThat(row.get("window_start").isIntegralNumber()).isTrue();
      long ws = row.get("window_start").asLong();
      assertThat(ws % 60_000).isZero();
      String k = key(
          ws,
          row.get("model").asText(),
          row.get("org_id").asText(),
          row.get("project_id").asText(),
          row.get("api_key_fingerprint").asText(),
          row.get("service").asText());
      long[] v = new long[METRICS.length];
      for (int m = 0; m < METRICS.length; m++) {
        v[m] = row.get(METRICS[m]).asLong();
      }
      assertThat(actual.put(k, v))
          .as("one row per minute and dimension set: %s", k)
          .isNull();
    }

    assertThat(actual.values().stream().mapToLong(v -> v[0]).sum()).isEqualTo(EVENTS);
    for (int m = 0; m < METRICS.length; m++) {
      final int mm = m;
      assertThat(actual.values().stream().mapToLong(v -> v[mm]).sum())
          .as(METRICS[m])
          .isEqualTo(expected.values().stream().mapToLong(v -> v[mm]).sum());
    }
    assertThat(actual).hasSameSizeAs(expected);
    assertThat(actual.keySet()).isEqualTo(expected.keySet());
    for (Map.Entry<String, long[]> e : expected.entrySet()) {
      assertThat(actual.get(e.getKey())).as(e.getKey()).containsExactly(e.getValue());
    }

    JsonNode result = JSON.readTree(resultFile.toFile());
    assertThat(result.get("contender").asText()).isEqualTo("flink-sql");
    assertThat(result.get("records").asLong()).isEqualTo(EVENTS);
    assertThat(result.get("outputRows").asLong()).isEqualTo(expected.size());
    assertThat(result.get("firstRecordAtMs").asLong()).isPositive();
    assertThat(result.get("finishedAtMs").asLong())
        .isGreaterThanOrEqualTo(result.get("firstRecordAtMs").asLong());
    assertThat(result.get("cpuNanos").asLong()).isPositive();
  }

  private static final String[] METRICS = {
    "requests",
    "errors",
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
    "reasoning_output_tokens",
    "requests_without_usage"
  };

  private static LlmCallEvent event(Random r, int i, long ts) {
    String requestModel = r.nextBoolean() ? "gpt-4o" : "gpt-4o-mini";
    boolean error = r.nextInt(10) == 0;
    boolean usage = !error && r.nextInt(20) != 0;
    return LlmCallEvent.newBuilder()
        .setEventId("it-" + i)
        .setTimestamp(Instant.ofEpochMilli(ts))
        .setSdk(SdkInfo.newBuilder().setName("it").setVersion("0").build())
        .setService(r.nextBoolean() ? "checkout" : "search")
        .setEnvironment("test")
        .setOrgId(pick(r, "org-a", "org-b", null))
        .setProjectId(pick(r, "p1", null))
        .setApiKeyFingerprint(pick(r, "fp1", "fp2", null))
        .setProvider("openai")
        .setOperation("chat")
        .setRequestModel(requestModel)
        .setResponseModel(r.nextInt(3) == 0 ? null : requestModel + "-2024-08-06")
        .setInputTokens(usage ? (long) r.nextInt(5_000) : null)
        // Some responses report input but not output tokens: still "without usage".
        .setOutputTokens(usage && r.nextInt(50) != 0 ? (long) r.nextInt(1_000) : null)
        .setCacheReadInputTokens(usage && r.nextBoolean() ? (long) r.nextInt(1_000) : null)
        .setCacheCreationInputTokens(usage && r.nextInt(4) == 0 ? (long) r.nextInt(500) : null)
        .setReasoningOutputTokens(usage && r.nextInt(3) == 0 ? (long) r.nextInt(300) : null)
        .setDurationMs((long) r.nextInt(10_000))
        .setStatusCode(error ? 429 : 200)
        .setErrorType(error ? "rate_limited" : null)
        .build();
  }

  /** The rollup as the job must compute it, one entry per minute and dimension set. */
  private static void expect(Map<String, long[]> expected, LlmCallEvent e) {
    long ts = e.getTimestamp().toEpochMilli();
    String model = e.getResponseModel() != null ? e.getResponseModel() : e.getRequestModel();
    String k = key(
        ts - Math.floorMod(ts, 60_000L),
        model,
        nz(e.getOrgId()),
        nz(e.getProjectId()),
        nz(e.getApiKeyFingerprint()),
        e.getService());
    long[] v = expected.computeIfAbsent(k, x -> new long[METRICS.length]);
    v[0]++;
    v[1] += e.getErrorType() != null ? 1 : 0;
    v[2] += nz(e.getInputTokens());
    v[3] += nz(e.getOutputTokens());
    v[4] += nz(e.getCacheReadInputTokens());
    v[5] += nz(e.getCacheCreationInputTokens());
    v[6] += nz(e.getReasoningOutputTokens());
    v[7] += e.getInputTokens() == null || e.getOutputTokens() == null ? 1 : 0;
  }

  private List<JsonNode> readAll(String topic) throws Exception {
    List<JsonNode> rows = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
        Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
        new StringDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      consumer
          .partitionsFor(topic)
          .forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
      assertThat(parts).as("output topic has the input's partition count").hasSize(PARTITIONS);
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(parts));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (parts.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        assertThat(System.nanoTime()).as("read the output topic to its end").isLessThan(deadline);
        for (ConsumerRecord<String, byte[]> rec : consumer.poll(Duration.ofMillis(500))) {
          rows.add(JSON.readTree(rec.value()));
        }
      }
    }
    return rows;
  }

  private static String key(long windowStart, String... dims) {
    return windowStart + "|" + String.join("|", dims);
  }

  @SafeVarargs
  private static <T> T pick(Random r, T... options) {
    return options[r.nextInt(options.length)];
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  private static long nz(Long n) {
    return n == null ? 0 : n;
  }
}
