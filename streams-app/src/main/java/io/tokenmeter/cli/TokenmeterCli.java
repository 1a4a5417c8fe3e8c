package io.tokenmeter.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tokenmeter} command line: one sub-command per job. */
@Command(
    name = "tokenmeter",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "Minute-by-minute cost, usage and health of LLM API traffic, on Apache Kafka.",
    subcommands = {
      BrokerCommand.class,
      DemoCommand.class,
      RunCommand.class,
      RouterCommand.class,
      ProduceCommand.class,
      ConsumeCommand.class,
      TopCommand.class,
      TailCommand.class,
      QueryCommand.class,
      CommandLine.HelpCommand.class
    })
public final class TokenmeterCli {

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new TokenmeterCli()).setUsageHelpAutoWidth(true);
  }
}
