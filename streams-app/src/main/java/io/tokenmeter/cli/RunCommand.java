package io.tokenmeter.cli;

import io.tokenmeter.app.TokenmeterApp;
import io.tokenmeter.config.AlertSettings;
import io.tokenmeter.config.KafkaSettings;
import io.tokenmeter.config.PricingSettings;
import io.tokenmeter.config.RollupSettings;
import io.tokenmeter.config.TokenmeterConfig;
import io.tokenmeter.config.TopicSettings;
import io.tokenmeter.cost.Pricing;
import io.tokenmeter.schemas.LlmCallEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Runs the streams app in the foreground until Ctrl-C. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Run the Tokenmeter streams app: read llm.calls, write one final rollup per minute and",
      "dimension set to llm.rollups.1m, and bad or late records to llm.calls.dlq.",
      "Creates missing topics at start. Runs until interrupted (Ctrl-C), then closes cleanly."
    },
    footer = {
      "",
      "Examples:",
      "  tokenmeter run --bootstrap-server 127.0.0.1:9092"
    })
final class RunCommand implements Callable<Integer> {

  /**
   * Prices nothing: every request counts as unpriced and cost stays null, never $0. Stands in
   * until the bundled price table is wired in.
   */
  static final Pricing UNPRICED = new Pricing() {
    @Override
    public String version() {
      return "none";
    }

    @Override
    public OptionalLong costMicros(LlmCallEvent event) {
      return OptionalLong.empty();
    }
  };

  @Spec CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "Configuration file (properties).")
  Path configFile;

  @Option(
      names = "--bootstrap-server",
      paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:9092",
      description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
  String bootstrapServer;

  @Override
  public Integer call() throws InterruptedException {
    TokenmeterConfig config = config();
    TokenmeterApp app = new TokenmeterApp(config, UNPRICED);
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      app.close(Duration.ofSeconds(30));
      stopped.countDown();
    }, "tokenmeter-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      app.start((now, before) -> {
        System.err.println("tokenmeter: " + before + " -> " + now);
        if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
          stopped.countDown();
        }
      });
    } catch (IllegalStateException | KafkaException e) {
      // Topic creation and Streams' config checks say what to change; a stack trace would bury it.
      spec.commandLine().getErr().println("tokenmeter run: " + e.getMessage());
      return 1;
    }
    System.err.println("tokenmeter running against " + config.kafka().bootstrapServers()
        + ": " + config.topics().calls() + " -> " + config.topics().rollups() + ". Ctrl-C stops it.");
    stopped.await();
    return app.streams().state() == KafkaStreams.State.ERROR ? 1 : 0;
  }

  private TokenmeterConfig config() {
    if (configFile != null) {
      // The config loader (io.tokenmeter.config) plugs in here: load the file, then let
      // --bootstrap-server override kafka.bootstrap.servers.
      throw new ParameterException(spec.commandLine(), "--config is not supported by this build yet; use the defaults and --bootstrap-server");
    }
    return defaults(bootstrapServer);
  }

  /** The documented defaults of each settings record, for a single-broker development cluster. */
  static TokenmeterConfig defaults(String bootstrapServers) {
    return new TokenmeterConfig(
        new KafkaSettings(
            bootstrapServers,
            "tokenmeter",
            KafkaSettings.ProcessingGuarantee.EXACTLY_ONCE_V2,
            // Not the OS temp directory, which may be cleaned under a running app.
            Path.of(System.getProperty("user.home"), ".tokenmeter", "state"),
            Duration.ofMillis(100),
            10L * 1024 * 1024,
            1,
            Optional.empty(),
            Map.of()),
        new TopicSettings(
            "llm.calls", "llm.rollups.1m", "llm.alerts", "llm.calls.dlq",
            3, (short) 1, Duration.ofDays(7), Duration.ofDays(30)),
        new RollupSettings(Duration.ofMinutes(2), Duration.ofHours(1), Duration.ofSeconds(1), 10_000),
        new AlertSettings(0.80, 0.95, 2, List.of(), new AlertSettings.ErrorRate(20, 3.0, 0.05, 0.2), Set.of()),
        new PricingSettings(Optional.empty()));
  }
}
