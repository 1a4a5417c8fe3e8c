package io.tokenmeter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.testkit.KafkaBroker;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * produce and consume reach a cluster whose only listener is SASL/SCRAM through {@code
 * --command-config}, as Kafka's own tools do; a wrong password fails without being printed.
 */
class SecuredClusterCliIT {

  private static final String USER = "tokenmeter-cli";
  private static final String PASSWORD = "pw-" + UUID.randomUUID();
  private static final String TOPIC = "llm.calls";

  private static KafkaBroker broker;

  @TempDir
  Path dir;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBroker.builder().saslScram(USER, PASSWORD).start();
    Map<String, Object> admin = Map.copyOf(broker.clientProperties());
    try (Admin a = Admin.create(admin)) {
      a.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void produceAndConsumeTakeTheClusterSecuritySettingsFromTheCommandConfigFile() throws Exception {
    Path config = commandConfig(broker.clientProperties().get("sasl.jaas.config"));
    Path input = Files.writeString(dir.resolve("one.jsonl"), event("evt-scram-1") + "\n");

    CliRun produce = CliRun.of(
        "produce",
        "--bootstrap-server",
        broker.bootstrapServers(),
        "--topic",
        TOPIC,
        "--command-config",
        config.toString(),
        "--input",
        input.toString());
    CliRun consume = CliRun.of(
        "consume",
        "--bootstrap-server",
        broker.bootstrapServers(),
        "--topic",
        TOPIC,
        "--command-config",
        config.toString(),
        "--from-beginning",
        "--max",
        "1",
        "--timeout",
        "60s");

    assertThat(produce.exitCode()).as(produce.err()).isZero();
    assertThat(produce.err()).contains("sent 1, skipped 0");
    assertThat(consume.exitCode()).as(consume.err()).isZero();
    assertThat(consume.out()).contains("\"event_id\":\"evt-scram-1\"");
    assertNotPrinted(produce.out() + produce.err() + consume.out() + consume.err(), PASSWORD);
  }

  @Test
  void aWrongPasswordFailsWithoutPrintingIt() throws Exception {
    String wrong = "wrong-" + UUID.randomUUID();
    String jaas = broker.clientProperties().get("sasl.jaas.config").replace(PASSWORD, wrong);
    Path config = commandConfig(jaas);

    CliRun consume = CliRun.of(
        "consume",
        "--bootstrap-server",
        broker.bootstrapServers(),
        "--topic",
        TOPIC,
        "--command-config",
        config.toString(),
        "--from-beginning",
        "--max",
        "1",
        "--timeout",
        "30s");

    assertThat(consume.exitCode()).isNotZero();
    assertThat(consume.err()).containsIgnoringCase("authentication");
    assertNotPrinted(consume.out() + consume.err(), wrong);
    assertNotPrinted(consume.out() + consume.err(), PASSWORD);
  }

  /** Without AssertJ quoting the output, which would print the password if the check failed. */
  private static void assertNotPrinted(String output, String password) {
    assertThat(output.contains(password))
        .as("a password appears in the command's output")
        .isFalse();
  }

  private Path commandConfig(String jaas) throws Exception {
    Properties p = new Properties();
    broker.clientProperties().forEach(p::setProperty);
    p.remove("bootstrap.servers");
    p.setProperty("sasl.jaas.config", jaas);
    Path file = dir.resolve("client-" + UUID.randomUUID() + ".properties");
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      p.store(w, null);
    }
    return file;
  }

  private static String event(String id) {
    return "{\"event_id\":\"" + id + "\",\"timestamp\":1764230400123,"
        + "\"sdk\":{\"name\":\"tokenmeter-java\",\"version\":\"0.1.0\"},\"service\":\"checkout\","
        + "\"environment\":\"prod\",\"provider\":\"openai\",\"operation\":\"chat\",\"request_model\":\"gpt-4o\"}";
  }
}
