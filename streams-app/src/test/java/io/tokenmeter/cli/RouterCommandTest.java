package io.tokenmeter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RouterCommandTest {

  @TempDir
  Path dir;

  @Test
  void aBadConfigurationNamesTheKeyAndExits1() throws IOException {
    Path config = Files.writeString(
        dir.resolve("router.properties"),
        "router.webhook.url=ftp://hooks.example.com/x\nrouter.route.1.receiver=pagerduty\n");

    CliRun run = CliRun.of("router", "--config", config.toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .startsWith("tokenmeter router: Invalid Tokenmeter configuration")
        .contains("router.webhook.url")
        .contains("router.route.1.receiver = 'pagerduty'")
        .contains("router.pagerduty.routing.key");
  }

  @ParameterizedTest
  @ValueSource(strings = {"router", "page"})
  void withoutAReceiverThereIsNothingToDoAndItSaysWhichKeysToSet(String command) {
    // page is the command's first name, kept as an alias.
    CliRun run = CliRun.of(command, "--bootstrap-server", "127.0.0.1:1");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .contains("no receiver is configured")
        .contains("TOKENMETER_ROUTER_PAGERDUTY_ROUTING_KEY")
        .contains("router.webhook.url");
  }

  @Test
  void helpListsTheCommand() {
    CliRun run = CliRun.of("--help");

    assertThat(run.out()).contains("router").contains("page");
  }
}
