package io.tokenmeter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Runs {@code bin/tokenmeter demo} for a minute and a half, as the README's run command: a real
 * process on the CLI's own classpath and logging configuration, its stdout and stderr apart.
 */
class DemoCommandIT {

  private static final Path REPO_ROOT = Path.of("..").toAbsolutePath().normalize();
  /** slf4j-simple's lines as simplelogger.properties formats them: time, level, full logger name. */
  private static final Pattern LOG_LINE =
      Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (TRACE|DEBUG|INFO|WARN|ERROR) (\\S+) - ");

  @Test
  void demoRunsThePipelineAndShowsRollupsAndAlertsAsTheyHappen(@TempDir Path dir) throws Exception {
    Path stdout = dir.resolve("stdout.txt");
    Path stderr = dir.resolve("stderr.txt");
    Process demo = new ProcessBuilder(
            REPO_ROOT.resolve("bin/tokenmeter").toString(),
            "demo",
            "--duration",
            "90s",
            "--seed",
            "7")
        .directory(REPO_ROOT.toFile())
        .redirectOutput(stdout.toFile())
        .redirectError(stderr.toFile())
        .start();
    boolean ended = demo.waitFor(5, TimeUnit.MINUTES);
    if (!ended) {
      demo.destroyForcibly().waitFor();
    }

    String text = Files.readString(stdout);
    String err = Files.readString(stderr);
    assertThat(ended).as("demo ended by itself; stderr:%n%s", err).isTrue();
    assertThat(demo.exitValue()).as("%s%n%s", text, err).isZero();
    assertThat(text).containsPattern("Stopped: \\d+ calls recorded, 0 dropped by the SDK");
    // At least one minute closed within 90 s (its grace is 10 s), so final rollups were shown,
    // priced from the bundled table.
    assertThat(text).containsPattern("rollup \\d\\d:\\d\\d  org-acme .* req .* \\$\\d+\\.\\d{6}");
    // The surge crosses 80% of its 300 requests/min limit within seconds, and the leaked key is
    // not on the allow-list the demo configures.
    assertThat(text)
        .containsPattern(
            "ALERT  FIRING\\s+(warning|critical)\\s+org-acme/proj-shop gpt-4o-mini at .* requests/min limit");
    assertThat(text).containsPattern("ALERT  FIRING\\s+error\\s+.*is not on the allow-list");
    // Only key hints are shown; the scenario's plaintext keys are 40 hex characters long.
    assertThat(text + err).doesNotContainPattern("sk-(proj|svcacct)-[0-9a-f]{40}");

    // stderr carries our own log lines and real problems, not the framework's chatter.
    List<String> logLines = err.lines().filter(l -> LOG_LINE.matcher(l).find()).toList();
    assertThat(logLines)
        .as("the app's own INFO lines, so the check below sees a log")
        .anyMatch(l -> l.contains(
            " INFO io.tokenmeter.app.TokenmeterApp - Kafka Streams REBALANCING -> RUNNING"));
    assertThat(logLines).as("INFO and below come from io.tokenmeter only").allSatisfy(l -> {
      Matcher m = LOG_LINE.matcher(l);
      assertThat(m.find()).isTrue();
      if (!m.group(1).equals("WARN") && !m.group(1).equals("ERROR")) {
        assertThat(m.group(2)).startsWith("io.tokenmeter.");
      }
    });
    assertThat(err)
        .as("no topology dump at INFO, no warning about what the app sets or chooses itself")
        .doesNotContain("Topologies:")
        .doesNotContain("Processing exception handler is not enabled")
        .doesNotContain("Using an OS temp directory");
  }

  @Test
  void demoRefusesANonPositiveDurationNamingTheOption() {
    StringWriter err = new StringWriter();
    CommandLine cli = TokenmeterCli.commandLine();
    cli.setErr(new PrintWriter(err, true));

    int exit = cli.execute("demo", "--duration", "0s");

    assertThat(exit).isNotZero();
    assertThat(err.toString()).contains("--duration must be positive");
  }

  @Test
  void helpListsTheSubcommands() {
    StringWriter out = new StringWriter();
    CommandLine cli = TokenmeterCli.commandLine();
    cli.setOut(new PrintWriter(out, true));

    assertThat(cli.execute("--help")).isZero();
    assertThat(out.toString())
        .contains("broker")
        .contains("demo")
        .contains("run")
        .contains("produce")
        .contains("consume");
  }
}
