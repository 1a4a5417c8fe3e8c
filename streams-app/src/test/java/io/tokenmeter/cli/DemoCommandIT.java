package io.tokenmeter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Runs {@code tokenmeter demo} in-process for a minute and a half, as the README's run command. */
class DemoCommandIT {

  @Test
  void demoRunsThePipelineAndShowsRollupsAndAlertsAsTheyHappen() {
    StringWriter out = new StringWriter();
    CommandLine cli = TokenmeterCli.commandLine();
    cli.setOut(new PrintWriter(out, true));

    int exit = cli.execute("demo", "--duration", "90s", "--seed", "7");

    String text = out.toString();
    assertThat(exit).as(text).isZero();
    assertThat(text).containsPattern("Stopped: \\d+ calls recorded, 0 dropped by the SDK");
    // At least one minute closed within 90 s (its grace is 10 s), so final rollups were shown,
    // priced from the bundled table.
    assertThat(text).containsPattern("rollup \\d\\d:\\d\\d  org-acme .* req .* \\$\\d+\\.\\d{6}");
    // The surge crosses 80% of its 300 requests/min limit within seconds, and the leaked key is
    // not on the allow-list the demo configures.
    assertThat(text).containsPattern("ALERT  FIRING\\s+(warning|critical)\\s+org-acme/proj-shop gpt-4o-mini at .* requests/min limit");
    assertThat(text).containsPattern("ALERT  FIRING\\s+error\\s+.*is not on the allow-list");
    // Only key hints are shown; the scenario's plaintext keys are 40 hex characters long.
    assertThat(text).doesNotContainPattern("sk-(proj|svcacct)-[0-9a-f]{40}");
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
    assertThat(out.toString()).contains("broker").contains("demo").contains("run").contains("produce").contains("consume");
  }
}
