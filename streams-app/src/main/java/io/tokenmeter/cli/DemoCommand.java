package io.tokenmeter.cli;

import io.tokenmeter.app.TokenmeterApp;
import io.tokenmeter.config.ConfigException;
import io.tokenmeter.config.ConfigLoader;
import io.tokenmeter.config.TokenmeterConfig;
import io.tokenmeter.cost.TablePricing;
import io.tokenmeter.demo.LiveView;
import io.tokenmeter.demo.TrafficScenario;
import io.tokenmeter.sdk.Tokenmeter;
import io.tokenmeter.testkit.KafkaBroker;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The whole pipeline on one machine: a real broker, the streams app, and simulated services that
 * call LLMs through the producer SDK, with a rate-limit surge, an error burst and a leaked key.
 * Rollups and alerts are printed as the app commits them.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Run the whole pipeline locally: a Kafka broker on 127.0.0.1, the streams app, and four",
      "simulated services calling LLMs through the producer SDK. Shows final per-minute rollups",
      "and alerts as they happen. Runs until Ctrl-C (or --duration), then stops cleanly.",
      "",
      "Timeline: steady traffic all along; from 15 s a rate-limit surge on org-acme/proj-shop",
      "gpt-4o-mini; from 30 s an unregistered key in 'nightly-batch', some calls refused with 401;",
      "from 60 s to 130 s half of the support service's Claude calls fail with 503.",
      "A minute's rollups appear once the minute is over and its grace period (10 s) has passed."
    },
    footer = {
      "",
      "Examples:",
      "  tokenmeter demo                          # until Ctrl-C",
      "  tokenmeter demo --duration 3m",
      "  tokenmeter demo --bootstrap-server 127.0.0.1:9092   # against a running broker"
    })
final class DemoCommand implements Callable<Integer> {

  private static final String GRACE = "10s";

  @Spec
  CommandSpec spec;

  @Option(
      names = "--duration",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "Stop after this long, such as 90s or 3m (default: run until Ctrl-C).")
  Duration duration;

  @Option(
      names = {"--bootstrap-server", "--bootstrap-servers"},
      paramLabel = "HOST:PORT",
      description = "Use this Kafka cluster instead of starting an embedded broker.")
  String bootstrapServer;

  @Option(names = "--seed", description = "Random seed, for a repeatable traffic mix.")
  Long seed;

  @Option(
      names = "--http-port",
      paramLabel = "PORT",
      description =
          "Port of the app's HTTP endpoints on 127.0.0.1 (default: 0, a free port; the demo prints it).")
  int httpPort;

  private final CountDownLatch finished = new CountDownLatch(1);
  private volatile boolean stopRequested;

  @Override
  public Integer call() throws Exception {
    if (duration != null && (duration.isZero() || duration.isNegative())) {
      throw new ParameterException(
          spec.commandLine(), "--duration must be positive, was " + duration);
    }
    PrintWriter out = spec.commandLine().getOut();
    Thread hook = new Thread(this::stopAndWait, "tokenmeter-demo-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    // Not under the OS temp directory, which Kafka Streams warns about at every start; deleted
    // below.
    Path demoStates = Path.of(System.getProperty("user.home"), ".tokenmeter", "demo");
    Files.createDirectories(demoStates);
    Path stateDir = Files.createTempDirectory(demoStates, "state-");
    KafkaBroker broker = null;
    try {
      if (bootstrapServer == null) {
        out.println("Starting a Kafka 4.4.0 broker (KRaft, single node) on 127.0.0.1 ...");
        out.flush();
        // Closed below, after the SDKs and the app, also on Ctrl-C (see stopAndWait).
        broker = KafkaBroker.builder().stopOnJvmExit(false).start();
        bootstrapServer = broker.bootstrapServers();
      }
      return run(out, stateDir);
    } finally {
      if (broker != null) {
        broker.close();
      }
      deleteQuietly(stateDir);
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: the hook is running and waits for this method to finish.
      }
    }
  }

  private int run(PrintWriter out, Path stateDir) throws InterruptedException {
    RandomGenerator random = seed == null
        ? new SplittableRandom(new SecureRandom().nextLong())
        : new SplittableRandom(seed);
    TrafficScenario scenario = new TrafficScenario(random);
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    String secretText = HexFormat.of().formatHex(secret);

    TokenmeterConfig config;
    try {
      config = demoConfig(stateDir, allowList(scenario, secretText));
    } catch (ConfigException e) {
      spec.commandLine().getErr().println("tokenmeter demo: " + e.getMessage());
      return 1;
    }
    Map<String, Tokenmeter> sdks = new TreeMap<>();
    try (TokenmeterApp app = new TokenmeterApp(config, TablePricing.from(config.pricing()));
        LiveView view = new LiveView(
            bootstrapServer, config.topics().rollups(), config.topics().alerts(), out)) {
      app.start();
      Thread viewer = new Thread(view, "tokenmeter-demo-view");
      viewer.setDaemon(true);
      viewer.start();
      for (String service : scenario.services()) {
        sdks.put(
            service,
            Tokenmeter.builder()
                .bootstrapServers(bootstrapServer)
                .topic(config.topics().calls())
                .service(service)
                .environment("demo")
                .fingerprintSecret(secretText)
                .build());
      }
      out.printf(
          "Kafka at %s. The app reads %s and writes %s and %s.%n",
          bootstrapServer,
          config.topics().calls(),
          config.topics().rollups(),
          config.topics().alerts());
      app.httpPort().ifPresent(port -> {
        out.printf("Health: http://127.0.0.1:%d/health%n", port);
        out.printf("Dashboard: http://127.0.0.1:%d/%n", port);
      });
      out.println(
          duration == null
              ? "Sending traffic until Ctrl-C ..."
              : "Sending traffic for " + duration.toSeconds() + " s ...");
      out.flush();

      long sent = sendTraffic(scenario, sdks);
      long dropped = 0;
      for (Tokenmeter sdk : sdks.values()) {
        sdk.close(Duration.ofSeconds(10));
        dropped += sdk.stats().dropped();
      }
      sdks.clear();
      out.printf(
          "%nStopped: %d calls recorded, %d dropped by the SDK; %d rollups and %d alert changes shown.%n",
          sent, dropped, view.rollups(), view.alerts());
      out.flush();
      return 0;
    } finally {
      sdks.values().forEach(sdk -> sdk.close(Duration.ofSeconds(2)));
    }
  }

  /** One second of scenario traffic per wall-clock second, until the duration or Ctrl-C. */
  private long sendTraffic(TrafficScenario scenario, Map<String, Tokenmeter> sdks)
      throws InterruptedException {
    Instant start = Instant.now();
    long sent = 0;
    for (int second = 0;
        !stopRequested && (duration == null || second < duration.toSeconds());
        second++) {
      Instant at = start.plusSeconds(second);
      long waitMillis = Duration.between(Instant.now(), at).toMillis();
      if (waitMillis > 0) {
        // Pacing to the wall clock is the point here: the demo shows traffic as it happens.
        TimeUnit.MILLISECONDS.sleep(waitMillis);
      }
      for (TrafficScenario.ScenarioCall c : scenario.second(Duration.ofSeconds(second), at)) {
        sdks.get(c.service()).record(c.call());
        sent++;
      }
    }
    return sent;
  }

  private TokenmeterConfig demoConfig(Path stateDir, String allowList) {
    return ConfigLoader.create()
        .override("kafka.bootstrap.servers", bootstrapServer)
        .override("kafka.application.id", "tokenmeter-demo-" + Long.toHexString(System.nanoTime()))
        .override("kafka.state.dir", stateDir.toString())
        .override("kafka.commit.interval", "200ms")
        .override("topics.partitions", "3")
        .override("rollup.grace", GRACE)
        .override("alerts.key.allow.list", allowList)
        .override("http.host", "127.0.0.1")
        .override("http.port", Integer.toString(httpPort), "--http-port")
        .load();
  }

  /** The fingerprints of the scenario's registered keys, as an operator would list them. */
  private static String allowList(TrafficScenario scenario, String secret) {
    return scenario.registeredKeys().stream()
        .map(key -> Tokenmeter.keyFingerprint(secret, key))
        .collect(Collectors.joining(","));
  }

  /** Ctrl-C: let the main thread close the SDKs, the app and the broker in order, then exit. */
  private void stopAndWait() {
    stopRequested = true;
    try {
      finished.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void deleteQuietly(Path dir) {
    try (var walk = Files.walk(dir)) {
      List<Path> paths = new ArrayList<>(walk.toList());
      java.util.Collections.reverse(paths);
      for (Path p : paths) {
        Files.deleteIfExists(p);
      }
    } catch (IOException ignored) {
      // A temporary state directory left behind is not worth failing the demo for.
    }
  }
}
