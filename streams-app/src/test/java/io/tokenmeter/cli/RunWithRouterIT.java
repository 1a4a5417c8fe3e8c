package io.tokenmeter.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenmeter.router.RecordingWebhook;
import io.tokenmeter.sdk.LlmCall;
import io.tokenmeter.sdk.Tokenmeter;
import io.tokenmeter.testkit.FreePorts;
import io.tokenmeter.testkit.KafkaBroker;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/tokenmeter run} with {@code router.enabled=true}, as a real process configured only
 * by environment variables (as in a container): its {@code /health} answers, an unpriced call
 * becomes an {@code unpriced_model} alert, the embedded router delivers it to a webhook, and
 * SIGTERM closes both cleanly.
 */
class RunWithRouterIT {

  private static final Path REPO_ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  void runDeliversItsOwnAlertsToTheWebhookWhenTheRouterIsEnabled(@TempDir Path dir)
      throws Exception {
    RecordingWebhook webhook = RecordingWebhook.start();
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    int httpPort = FreePorts.next();

    try (KafkaBroker broker = KafkaBroker.start()) {
      Map<String, String> env = Map.ofEntries(
          Map.entry("TOKENMETER_KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers()),
          Map.entry("TOKENMETER_KAFKA_APPLICATION_ID", "tokenmeter-run-" + suffix),
          Map.entry("TOKENMETER_KAFKA_STATE_DIR", dir.resolve("state").toString()),
          Map.entry("TOKENMETER_KAFKA_COMMIT_INTERVAL", "200ms"),
          Map.entry("TOKENMETER_TOPICS_PARTITIONS", "1"),
          Map.entry("TOKENMETER_ROLLUP_GRACE", "1s"),
          Map.entry("TOKENMETER_ROLLUP_CLOSE_CHECK_INTERVAL", "200ms"),
          Map.entry("TOKENMETER_HTTP_PORT", Integer.toString(httpPort)),
          Map.entry("TOKENMETER_ROUTER_ENABLED", "true"),
          Map.entry("TOKENMETER_ROUTER_GROUP_ID", "tokenmeter-router-" + suffix),
          Map.entry("TOKENMETER_ROUTER_WEBHOOK_URL", webhook.url()));
      ProcessBuilder pb = new ProcessBuilder(REPO_ROOT.resolve("bin/tokenmeter").toString(), "run")
          .directory(REPO_ROOT.toFile())
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("run.log").toFile());
      pb.environment().keySet().removeIf(name -> name.startsWith("TOKENMETER_"));
      pb.environment().putAll(env);
      Process run = pb.start();
      try {
        await("GET /health answers 200")
            .atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(500))
            .until(() -> health(httpPort) == 200);

        try (Tokenmeter sdk = Tokenmeter.builder()
            .bootstrapServers(broker.bootstrapServers())
            .service("checkout")
            .environment("it")
            .fingerprintSecret("run-with-router-it-secret-0123456789abcdef")
            .build()) {
          sdk.record(LlmCall.builder()
              .eventId("unpriced-" + suffix)
              .timestamp(Instant.now().minusSeconds(90))
              .provider("self-hosted")
              .operation("chat")
              .requestModel("local-llama")
              .orgId("org-1")
              .projectId("proj-1")
              .apiKey("sk-proj-RUNWITHROUTERIT00000000000000000000000000000000abcd")
              .inputTokens(10)
              .outputTokens(5)
              .durationMs(40)
              .statusCode(200)
              .build());
        }

        await("the unpriced_model alert reaches the webhook")
            .atMost(Duration.ofSeconds(90))
            .until(() -> webhook.bodies().stream()
                .anyMatch(h -> h.contains("unpriced_model") && h.contains("local-llama")));
        assertThat(webhook.bodies())
            .anySatisfy(h -> assertThat(h).contains("\"status\":\"firing\""));

        run.destroy();
        assertThat(run.waitFor(60, TimeUnit.SECONDS)).as(log(dir)).isTrue();
        // The JVM reports a SIGTERM as 143 once its shutdown hooks are done; the log shows they
        // closed both.
        assertThat(run.exitValue()).as(log(dir)).isIn(0, 143);
        assertThat(log(dir))
            .contains("alert router stopped: 1 delivered, 0 dead-lettered, 1 records committed")
            .contains("PENDING_SHUTDOWN -> NOT_RUNNING")
            .doesNotContain("sk-proj-RUNWITHROUTERIT");
        // At least once, and no more than needed: the accepted alert's offset is committed, even
        // though SIGTERM came right after the webhook answered.
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
          TopicPartition alerts = new TopicPartition("llm.alerts", 0);
          OffsetAndMetadata committed = admin
              .listConsumerGroupOffsets("tokenmeter-router-" + suffix)
              .partitionsToOffsetAndMetadata()
              .get(30, TimeUnit.SECONDS)
              .get(alerts);
          assertThat(committed).isNotNull();
          assertThat(committed.offset())
              .isEqualTo(lastAlertOffset(broker.bootstrapServers(), alerts) + 1);
        }
      } finally {
        run.destroyForcibly();
      }
    } finally {
      webhook.close();
    }
  }

  /** The offset of the last alert record (transaction markers take offsets too, so not end - 1). */
  private static long lastAlertOffset(String bootstrapServers, TopicPartition partition) {
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
        Map.of("bootstrap.servers", bootstrapServers, "isolation.level", "read_committed"),
        new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long last = -1;
      // Up to the last stable offset: every committed alert has been read then.
      long end = consumer.endOffsets(List.of(partition)).get(partition);
      while (consumer.position(partition) < end) {
        for (var record : consumer.poll(Duration.ofMillis(500))) {
          last = record.offset();
        }
      }
      return last;
    }
  }

  private static int health(int port) {
    try {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static String log(Path dir) throws IOException {
    return Files.readString(dir.resolve("run.log"));
  }
}
