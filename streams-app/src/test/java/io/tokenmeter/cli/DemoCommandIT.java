package io.tokenmeter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DemoCommandIT {

  @Test
  void demoSendsCallsThroughTheSdkAndReadsEveryOneBackFromARealBroker() {
    StringWriter out = new StringWriter();
    CommandLine cli = TokenmeterCli.commandLine();
    cli.setOut(new PrintWriter(out, true));

    int exit = cli.execute("demo", "--calls", "120", "--show", "5", "--seed", "7");

    String text = out.toString();
    assertThat(exit).as(text).isZero();
    assertThat(text).contains("SDK: 120 recorded, 120 sent, 0 dropped");
    assertThat(text).contains("120 of 120 events read back from llm.calls.");
    assertThat(text).contains("... and 115 more");
    assertThat(text).containsPattern("org-acme / gpt-4o\\s+\\d+");
    // Only key hints are shown; the simulator's plaintext keys are 40 hex characters long.
    assertThat(text).containsPattern("sk-\\.\\.\\.[0-9a-f]{4}");
    assertThat(text).doesNotContainPattern("sk-(proj|svcacct)-[0-9a-f]{40}");
  }

  @Test
  void demoRefusesANonPositiveCallCountNamingTheOption() {
    StringWriter err = new StringWriter();
    CommandLine cli = TokenmeterCli.commandLine();
    cli.setErr(new PrintWriter(err, true));

    int exit = cli.execute("demo", "--calls", "0");

    assertThat(exit).isNotZero();
    assertThat(err.toString()).contains("--calls must be at least 1");
  }

  @Test
  void helpListsTheSubcommands() {
    StringWriter out = new StringWriter();
    CommandLine cli = TokenmeterCli.commandLine();
    cli.setOut(new PrintWriter(out, true));

    assertThat(cli.execute("--help")).isZero();
    assertThat(out.toString()).contains("broker").contains("demo");
  }
}
