package io.tokenmeter.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.TypeConversionException;

/** Option handling that needs no broker: every problem is reported naming the option. */
class ProduceConsumeOptionsTest {

  @Test
  void bothCommandsShowExamplesAndExitCodesInTheirHelp() {
    CliRun produce = CliRun.of("produce", "--help");
    CliRun consume = CliRun.of("consume", "--help");

    assertThat(produce.exitCode()).isZero();
    assertThat(produce.out())
        .contains(
            "Examples:",
            "tokenmeter produce --bootstrap-server",
            "Exit codes:",
            "some lines were skipped");
    assertThat(consume.exitCode()).isZero();
    assertThat(consume.out())
        .contains("Examples:", "--from-beginning --max 100", "Exit codes:", "--type");
  }

  @Test
  void topLevelHelpListsProduceAndConsume() {
    assertThat(CliRun.of("--help").out()).contains("produce", "consume");
  }

  @Test
  void aMissingBootstrapServerIsAUsageErrorNamingTheOption() {
    CliRun run = CliRun.of("produce", "--topic", "llm.calls");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("--bootstrap-server");
  }

  @Test
  void aBadSchemaRegistryUrlIsAUsageErrorNamingTheOption() {
    CliRun run = CliRun.of(
        "produce",
        "--bootstrap-server",
        "127.0.0.1:1",
        "--topic",
        "llm.calls",
        "--schema-registry",
        "ftp://x");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err())
        .contains("--schema-registry: 'ftp://x' must be an http:// or https:// URL");
  }

  @Test
  void anUnreadableInputFileIsAUsageErrorNamingTheOption() {
    CliRun run = CliRun.of(
        "produce",
        "--bootstrap-server",
        "127.0.0.1:1",
        "--topic",
        "llm.calls",
        "--input",
        "/no/such/file.jsonl");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("--input: cannot read /no/such/file.jsonl");
  }

  @Test
  void anUnreadableCommandConfigIsAUsageErrorNamingTheOption() {
    CliRun run = CliRun.of(
        "consume",
        "--bootstrap-server",
        "127.0.0.1:1",
        "--topic",
        "llm.calls",
        "--command-config",
        "/no/such/client.properties");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("--command-config: cannot read /no/such/client.properties");
  }

  @Test
  void consumeRefusesToGuessTheRecordTypeOfAnUnknownTopicName() {
    CliRun run = CliRun.of("consume", "--bootstrap-server", "127.0.0.1:1", "--topic", "my.topic");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("--type is needed", "'my.topic'", "calls", "rollups", "alerts");
  }

  @Test
  void consumeRejectsAnUnknownTypeNamingTheOption() {
    CliRun run =
        CliRun.of("consume", "--bootstrap-server", "b:1", "--topic", "t", "--type", "metrics");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err())
        .contains(
            "--type", "'metrics' is not a record type; expected one of calls, rollups, alerts");
  }

  @Test
  void consumeRejectsANonPositiveMaxAndTimeout() {
    assertThat(
            CliRun.of("consume", "--bootstrap-server", "b:1", "--topic", "llm.calls", "--max", "0")
                .err())
        .contains("--max must be at least 1, was 0");
    assertThat(CliRun.of(
                "consume", "--bootstrap-server", "b:1", "--topic", "llm.calls", "--timeout", "0s")
            .err())
        .contains("--timeout must be positive");
    assertThat(CliRun.of(
                "consume", "--bootstrap-server", "b:1", "--topic", "llm.calls", "--timeout", "soon")
            .err())
        .contains("--timeout", "'soon' is not a duration");
  }

  @Test
  void durationsAreReadInTheShortFormsAndIso() {
    DurationConverter converter = new DurationConverter();

    assertThat(converter.convert("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(converter.convert("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(converter.convert("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(converter.convert("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(converter.convert("PT1.5S")).isEqualTo(Duration.ofMillis(1500));
    assertThatThrownBy(() -> converter.convert("10 seconds"))
        .isInstanceOf(TypeConversionException.class);
  }

  @Test
  void consumeFailsFatallyWhenKafkaCannotBeReached() {
    // Port 1 on loopback refuses at once; the client gives up after its 15 s metadata timeout.
    CliRun run = CliRun.of("consume", "--bootstrap-server", "127.0.0.1:1", "--topic", "llm.calls");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.FATAL);
    assertThat(run.err()).contains("error: cannot read llm.calls at 127.0.0.1:1");
  }

  @Test
  void produceFailsFatallyBeforeReadingInputWhenKafkaCannotBeReached(@TempDir Path dir)
      throws Exception {
    Path input = Files.writeString(dir.resolve("in.jsonl"), "not even JSON\n");

    CliRun run = CliRun.of(
        "produce",
        "--bootstrap-server",
        "127.0.0.1:1",
        "--topic",
        "llm.calls",
        "--input",
        input.toString());

    assertThat(run.exitCode()).isEqualTo(ExitCodes.FATAL);
    assertThat(run.err())
        .contains("error: cannot send to llm.calls at 127.0.0.1:1")
        .doesNotContain("line 1");
  }
}
