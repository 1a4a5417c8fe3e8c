package io.tokenmeter.cli;

import io.tokenmeter.testkit.KafkaBroker;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the same single-node KRaft broker the tests use, in the foreground, until Ctrl-C. */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    description = {
      "Run a real single-node Kafka 4.4.0 broker (KRaft, broker+controller) on 127.0.0.1.",
      "Prints the bootstrap address, then runs until interrupted (Ctrl-C)."
    },
    footer = {
      "",
      "Examples:",
      "  tokenmeter broker                          # free port, temporary data, deleted on exit",
      "  tokenmeter broker --port 9092 --data-dir ~/.tokenmeter/kafka   # keeps data across runs"
    })
final class BrokerCommand implements Callable<Integer> {

  @Option(names = "--port", description = "Client port on 127.0.0.1 (default: a free port).")
  int port;

  @Option(
      names = "--data-dir",
      description =
          "Directory for the broker's data, kept on exit (default: a temporary one, deleted on exit).")
  Path dataDir;

  @Option(
      names = "--heap",
      defaultValue = "512m",
      description = "Broker JVM max heap (default: ${DEFAULT-VALUE}).")
  String heap;

  @Override
  public Integer call() throws InterruptedException {
    KafkaBroker.Builder builder = KafkaBroker.builder().port(port).heap(heap);
    if (dataDir != null) {
      builder.dataDir(dataDir.toAbsolutePath());
    }
    System.err.println("starting Kafka broker ...");
    // On Ctrl-C the broker's own exit hook stops it gracefully and removes temporary data.
    KafkaBroker broker = builder.start();
    System.out.println(broker.bootstrapServers());
    System.err.println("Kafka broker ready at " + broker.bootstrapServers() + " (data: "
        + broker.dataDir() + ", log: " + broker.logFile() + "). Ctrl-C stops it.");
    Thread.currentThread().join();
    return 0;
  }
}
