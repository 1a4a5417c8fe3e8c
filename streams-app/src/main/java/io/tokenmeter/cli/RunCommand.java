package io.tokenmeter.cli;

import io.tokenmeter.app.TokenmeterApp;
import io.tokenmeter.config.ConfigException;
import io.tokenmeter.config.TokenmeterConfig;
import io.tokenmeter.cost.PriceTableException;
import io.tokenmeter.cost.Pricing;
import io.tokenmeter.cost.TablePricing;
import io.tokenmeter.router.AlertRouter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Runs the streams app in the foreground until Ctrl-C. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Run the Tokenmeter streams app: read llm.calls, write one final rollup per minute and",
      "dimension set to llm.rollups.1m, alert state changes to llm.alerts, and bad or late records",
      "to llm.calls.dlq. With router.enabled=true, also runs the alert router (as tokenmeter router).",
      "Creates missing topics at start. Runs until interrupted (Ctrl-C), then closes cleanly."
    },
    footer = {
      "",
      "Examples:",
      "  tokenmeter run --bootstrap-server 127.0.0.1:9092",
      "  tokenmeter run --config tokenmeter.properties",
      "  TOKENMETER_ROLLUP_GRACE=30s tokenmeter run      # any key, as an environment variable",
      "",
      "Configuration keys: docs/configuration.md."
    })
final class RunCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Mixin
  ConfigOptions options;

  @Override
  public Integer call() throws InterruptedException {
    TokenmeterConfig config;
    Pricing pricing;
    try {
      config = options.load();
      pricing = TablePricing.from(config.pricing());
    } catch (ConfigException | PriceTableException e) {
      // The message names every bad key and where it came from; a stack trace would bury it.
      spec.commandLine().getErr().println("tokenmeter run: " + e.getMessage());
      return 1;
    }
    System.err.println("tokenmeter: effective configuration\n" + config.describe());
    System.err.println("tokenmeter: price table version " + pricing.version());
    TokenmeterApp app = new TokenmeterApp(config, pricing);
    AlertRouter router = config.router().enabled() ? AlertRouter.create(config) : null;
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(
        () -> {
          if (router != null) {
            router.close(Duration.ofSeconds(30));
          }
          app.close(Duration.ofSeconds(30));
          stopped.countDown();
        },
        "tokenmeter-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      app.start((now, before) -> {
        System.err.println("tokenmeter: " + before + " -> " + now);
        if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
          stopped.countDown();
        }
      });
      if (router != null) {
        router.start();
        System.err.println("tokenmeter: alert router delivering "
            + config.topics().alerts() + " to " + config.router().receivers());
      }
    } catch (IllegalStateException | KafkaException e) {
      // Topic creation and Streams' config checks say what to change; a stack trace would bury it.
      spec.commandLine().getErr().println("tokenmeter run: " + e.getMessage());
      return 1;
    }
    System.err.println("tokenmeter running against " + config.kafka().bootstrapServers() + ": "
        + config.topics().calls() + " -> " + config.topics().rollups() + ". Ctrl-C stops it.");
    stopped.await();
    return app.streams().state() == KafkaStreams.State.ERROR ? 1 : 0;
  }
}
