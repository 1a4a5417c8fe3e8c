package io.tokenmeter.cli;

import io.tokenmeter.config.ConfigException;
import io.tokenmeter.config.TokenmeterConfig;
import io.tokenmeter.http.HealthEndpoint;
import io.tokenmeter.http.HttpService;
import io.tokenmeter.router.AlertRouter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Runs the alert router on its own, in the foreground until Ctrl-C. Named for what it runs, as
 * {@code AlertRouter} and the {@code router.*} keys are; {@code page}, its first name, still works.
 */
@Command(
    name = "router",
    aliases = "page",
    mixinStandardHelpOptions = true,
    description = {
      "Run the alert router: read llm.alerts and deliver every FIRING/RESOLVED state change to",
      "PagerDuty (Events API v2) and/or a webhook (Alertmanager payload), as the routing rules say.",
      "At least once, in order per dedup key: an offset is committed only after the receivers",
      "accepted. Retries 429, 5xx and network errors with backoff; other 4xx go to llm.alerts.dlq.",
      "Runs until interrupted (Ctrl-C), then commits what was accepted and stops."
    },
    footer = {
      "",
      "Examples:",
      "  TOKENMETER_ROUTER_PAGERDUTY_ROUTING_KEY=... tokenmeter router --bootstrap-server 127.0.0.1:9092",
      "  tokenmeter router --config tokenmeter.properties",
      "",
      "Receivers, payloads and routing rules: docs/alert-router.md. Keys: docs/configuration.md."
    })
final class RouterCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Mixin
  ConfigOptions options;

  @Override
  public Integer call() throws InterruptedException {
    TokenmeterConfig config;
    try {
      config = options.load();
    } catch (ConfigException e) {
      // The message names every bad key and where it came from; a stack trace would bury it.
      spec.commandLine().getErr().println("tokenmeter router: " + e.getMessage());
      return 1;
    }
    if (config.router().receivers().isEmpty()) {
      spec.commandLine()
          .getErr()
          .println("tokenmeter router: no receiver is configured: set"
              + " router.pagerduty.routing.key (TOKENMETER_ROUTER_PAGERDUTY_ROUTING_KEY) or router.webhook.url"
              + " (TOKENMETER_ROUTER_WEBHOOK_URL)");
      return 1;
    }
    System.err.println("tokenmeter: effective configuration\n" + config.describe());
    AlertRouter router = AlertRouter.create(config);
    try {
      router.start();
    } catch (IllegalStateException | KafkaException e) {
      spec.commandLine().getErr().println("tokenmeter router: " + e.getMessage());
      return 1;
    }
    HttpService http;
    try {
      http = config.http().enabled()
          ? HttpService.start(
              config.http(), Map.of(HealthEndpoint.PATH, new HealthEndpoint(router::health)))
          : null;
    } catch (UncheckedIOException e) {
      router.close(Duration.ofSeconds(30));
      spec.commandLine().getErr().println("tokenmeter router: " + e.getMessage());
      return 1;
    }
    if (http != null) {
      System.err.println("tokenmeter router: health at http://" + config.http().host() + ":"
          + http.port() + "/health");
    }
    Runtime.getRuntime()
        .addShutdownHook(new Thread(
            () -> {
              router.close(Duration.ofSeconds(30));
              if (http != null) {
                http.close();
              }
            },
            "tokenmeter-router-shutdown"));
    System.err.println("tokenmeter router: " + config.topics().alerts() + " -> "
        + config.router().receivers() + " (group " + config.router().groupId()
        + "). Ctrl-C stops it.");
    router.awaitStopped();
    if (router.failure().isPresent()) {
      spec.commandLine()
          .getErr()
          .println("tokenmeter router: stopped: " + router.failure().get());
      return 1;
    }
    return 0;
  }
}
