package io.tokenmeter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.ParseResult;

/** Kafka's tools say --bootstrap-server, our key says servers: every command takes both spellings. */
class BootstrapServerSpellingTest {

  @ParameterizedTest
  @ValueSource(strings = {"run", "router", "page", "demo"})
  void bothSpellingsSetTheSameOption(String command) {
    for (String spelling : new String[] {"--bootstrap-server", "--bootstrap-servers"}) {
      ParseResult parsed =
          TokenmeterCli.commandLine().parseArgs(command, spelling, "kafka-1:9092,kafka-2:9092");

      assertThat(parsed.subcommand().matchedOptionValue("--bootstrap-server", (String) null))
          .as("%s %s", command, spelling)
          .isEqualTo("kafka-1:9092,kafka-2:9092");
    }
  }
}
