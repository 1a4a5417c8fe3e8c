package io.tokenmeter.bench.pipeline;

import com.fasterxml.jackson.databind.SerializationFeature;
import io.tokenmeter.bench.pipeline.Contender.Outcome;
import io.tokenmeter.testkit.KafkaBroker;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The pipeline benchmark: one broker, one preloaded topic, each contender in turn in its own JVM,
 * the whole sequence R times, then medians, ratios against the targets, and a latency run.
 * See docs/benchmarks.md, "Pipeline". Exit code 0 when every contender passed its gate, 1 when one
 * did not, 2 for a bad option.
 */
public final class PipelineBench {

  private PipelineBench() {}

  public static void main(String[] args) throws Exception {
    int code = run(args);
    System.exit(code);
  }

  public static int run(String... args) throws Exception {
    if (List.of(args).contains("--help")) {
      System.out.print(BenchOptions.USAGE);
      return 0;
    }
    BenchOptions options;
    try {
      options = BenchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("run-pipeline-bench: " + e.getMessage());
      return 2;
    }
    try {
      // A bad --set key would otherwise surface only as a child that died; name it now instead.
      io.tokenmeter.config.ConfigLoader.create()
          .overrides(TokenmeterContender.eos()
              .config(
                  "127.0.0.1:9092",
                  "bench.calls",
                  "-check",
                  Path.of(System.getProperty("java.io.tmpdir")),
                  options))
          .load();
    } catch (io.tokenmeter.config.ConfigException e) {
      System.err.println("run-pipeline-bench: --set: " + e.getMessage());
      return 2;
    }
    String command = System.getProperty(
        "tokenmeter.bench.command", "bench/run-pipeline-bench.sh " + String.join(" ", args));
    Map<String, Object> machine = MachineInfo.collect(options, command);
    Path outDir = options.outDir().toAbsolutePath();
    Path workDir = outDir.resolve("runs");
    Files.createDirectories(workDir);
    String classpath = childClasspath();
    Map<String, List<Outcome>> outcomes = new LinkedHashMap<>();
    Totals expected;
    Map<String, Object> latency = Map.of();
    try (KafkaBroker broker = KafkaBroker.builder().heap("512m").start()) {
      String bootstrap = broker.bootstrapServers();
      String topic = "bench.calls-" + System.currentTimeMillis();
      Preload.createTopic(bootstrap, topic, options.partitions());
      long start = (System.currentTimeMillis() - Duration.ofHours(2).toMillis()) / 60_000 * 60_000;
      long jitter = Math.min(2000, options.graceSeconds() * 1000L / 4);
      long t0 = System.nanoTime();
      expected = Preload.run(
          bootstrap, topic, options.events(), start, jitter, EventGenerator.seeded(options.seed()));
      System.out.printf(
          "preloaded %,d events into %s (%d partitions) in %.1f s; expected %s%n",
          options.events(), topic, options.partitions(), (System.nanoTime() - t0) / 1e9, expected);
      Duration timeout = Duration.ofSeconds(180 + options.events() / 2_000);
      for (String name : options.contenders()) {
        outcomes.put(name, new ArrayList<>());
      }
      for (int repeat = 1; repeat <= options.repeats(); repeat++) {
        for (String name : options.contenders()) {
          Contender c = contender(name);
          String suffix = "-r" + repeat + "-" + System.currentTimeMillis();
          Outcome o;
          try {
            o = c.run(new Contender.Run(
                bootstrap,
                topic,
                options.events(),
                expected,
                suffix,
                workDir,
                timeout,
                broker.pid(),
                options,
                classpath));
          } catch (Exception | AssertionError e) {
            o = Outcome.failed(name, "harness error: " + e);
          }
          outcomes.get(name).add(o);
          System.out.printf(
              "repeat %d %-16s %s%n",
              repeat,
              name,
              o.passed()
                  ? String.format(
                      "%,.0f events/s, %.1f s, CPU %.1f s, broker CPU %.1f s",
                      o.eventsPerSec(), o.seconds(), o.cpuSeconds(), o.brokerCpuSeconds())
                  : "FAILED: " + o.reason());
        }
      }
      if (options.latencySeconds() > 0) {
        double eosMedian = Report.summarize(
                "tokenmeter-eos",
                outcomes.getOrDefault("tokenmeter-eos", List.of()),
                options.events())
            .medianEventsPerSec();
        double rate = Double.isFinite(eosMedian) ? eosMedian / 2 : 1000;
        try {
          latency = LatencyRun.run(bootstrap, options, rate, workDir, classpath, options.seed());
        } catch (Exception e) {
          latency = Map.of(
              "seconds",
              options.latencySeconds(),
              "ratePerSecond",
              Math.round(rate),
              "graceSeconds",
              options.graceSeconds(),
              "gate",
              "FAIL: " + e);
        }
      }
    }
    List<Report.Summary> summaries = new ArrayList<>();
    Map<String, Report.Summary> byName = new LinkedHashMap<>();
    for (Map.Entry<String, List<Outcome>> e : outcomes.entrySet()) {
      Report.Summary s = Report.summarize(e.getKey(), e.getValue(), options.events());
      summaries.add(s);
      byName.put(e.getKey(), s);
    }
    List<Report.Ratio> ratios = Report.ratios(byName);
    Map<String, Object> state = medianState(outcomes.getOrDefault("tokenmeter-eos", List.of()));
    String md = Report.markdown(machine, summaries, ratios, state, latency);
    Map<String, Object> json =
        Report.json(machine, expected, summaries, outcomes, ratios, state, latency);
    byte[] jsonBytes =
        ResultFile.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(json);
    Files.write(outDir.resolve("results.json"), jsonBytes);
    Files.writeString(outDir.resolve("results.md"), md, StandardCharsets.UTF_8);
    System.out.println();
    System.out.println(md);
    System.out.println("results: " + outDir.resolve("results.json") + ", "
        + outDir.resolve("results.md") + "; child logs in " + workDir);
    if (options.writeDocs()) {
      Path doc = Path.of("docs/benchmarks.md");
      Files.writeString(
          doc,
          DocsBlock.replace(Files.readString(doc, StandardCharsets.UTF_8), md),
          StandardCharsets.UTF_8);
      Files.write(Path.of("docs/benchmarks.json"), jsonBytes);
      System.out.println(
          "rewrote docs/benchmarks.md (pipeline-results block) and docs/benchmarks.json");
    }
    return summaries.stream().allMatch(Report.Summary::allPassed) ? 0 : 1;
  }

  static Contender contender(String name) {
    return switch (name) {
      case "consumer-perf" -> new ConsumerPerfContender();
      case "plain-consumer" -> new PlainConsumerContender();
      case "tokenmeter-alos" -> TokenmeterContender.alos();
      case "tokenmeter-eos" -> TokenmeterContender.eos();
      case "flink-sql" -> new FlinkContender();
      default -> throw new IllegalArgumentException("unknown contender " + name);
    };
  }

  /** Per state statistic, the median over the exactly-once repeats that measured it. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> medianState(List<Outcome> eos) {
    List<Map<String, Object>> states = eos.stream()
        .filter(Outcome::passed)
        .map(o -> (Map<String, Object>) o.extra().get("state"))
        .filter(s -> s != null)
        .toList();
    if (states.isEmpty()) {
      return Map.of();
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (String key : states.get(0).keySet()) {
      Object first = states.get(0).get(key);
      if (first instanceof Number) {
        List<Double> values = states.stream()
            .map(s -> s.get(key))
            .filter(v -> v instanceof Number)
            .map(v -> ((Number) v).doubleValue())
            .toList();
        double m = Stats.median(values);
        out.put(key, first instanceof Double ? (Object) m : (Object) Math.round(m));
      } else {
        out.put(key, first);
      }
    }
    return out;
  }

  /**
   * The children's classpath: this module's classes and the runtime classpath Maven wrote to
   * target/pipeline.classpath. Not java.class.path, which under failsafe is a manifest-only jar.
   */
  static String childClasspath() {
    String override = System.getProperty("tokenmeter.bench.classpath");
    if (override != null) {
      return override;
    }
    try {
      Path self = Path.of(PipelineBench.class
          .getProtectionDomain()
          .getCodeSource()
          .getLocation()
          .toURI());
      Path file = self.getParent().resolve("pipeline.classpath");
      if (!Files.exists(file)) {
        throw new IllegalStateException(file + " missing: build the bench module with Maven first");
      }
      return self
          + File.pathSeparator
          + Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteRecursively(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory left behind is not worth failing a benchmark for
    }
  }
}
