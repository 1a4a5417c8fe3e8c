package io.tokenmeter.bench.pipeline;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The harness's command line. A bad option fails with a message that names it. */
record BenchOptions(
    long events,
    int repeats,
    int partitions,
    List<String> contenders,
    int latencySeconds,
    int graceSeconds,
    Map<String, String> sets,
    Path outDir,
    boolean writeDocs,
    long seed,
    int instances) {

  static final List<String> ALL =
      List.of("consumer-perf", "plain-consumer", "tokenmeter-alos", "tokenmeter-eos", "flink-sql");

  static final String USAGE = """
      usage: run-pipeline-bench.sh [--events N] [--repeats R] [--partitions P] [--contenders a,b,...]
                                   [--latency-seconds S] [--grace-seconds G] [--set key=value]...
                                   [--out-dir DIR] [--write-docs] [--seed N] [--instances N]
        --events N           events preloaded into the topic (default 5000000)
        --repeats R          times the whole sequence of contenders runs (default 3)
        --partitions P       partitions of the input topic (default 6)
        --contenders LIST    default consumer-perf,plain-consumer,tokenmeter-alos,tokenmeter-eos,flink-sql
        --latency-seconds S  length of the tokenmeter-eos latency run; 0 skips it (default 150)
        --grace-seconds G    rollup.grace of the app and the Flink job (default 10)
        --set key=value      Tokenmeter config key for both tokenmeter contenders (repeatable)
        --out-dir DIR        results.json, results.md, child logs (default bench/target/pipeline)
        --write-docs         also rewrite docs/benchmarks.json and the results block of docs/benchmarks.md
        --instances N        app instances (JVMs, one application id) per tokenmeter contender run (default 1)
      """;

  static BenchOptions parse(String... args) {
    long events = 5_000_000;
    int repeats = 3;
    int partitions = 6;
    List<String> contenders = ALL;
    int latency = 150;
    int grace = 10;
    Map<String, String> sets = new LinkedHashMap<>();
    Path outDir = Path.of("bench/target/pipeline");
    boolean writeDocs = false;
    long seed = 20261127L;
    int instances = 1;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--events" -> events = positiveLong(a, value(args, ++i, a));
        case "--repeats" -> repeats = (int) range(a, value(args, ++i, a), 1, 100);
        case "--partitions" -> partitions = (int) range(a, value(args, ++i, a), 1, 1000);
        case "--contenders" -> contenders = contenders(value(args, ++i, a));
        case "--latency-seconds" -> latency = (int) range(a, value(args, ++i, a), 0, 86_400);
        case "--grace-seconds" -> grace = (int) range(a, value(args, ++i, a), 1, 3600);
        case "--set" -> {
          String kv = value(args, ++i, a);
          int eq = kv.indexOf('=');
          if (eq <= 0) {
            throw new IllegalArgumentException("--set expects key=value, got '" + kv + "'");
          }
          sets.put(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip());
        }
        case "--out-dir" -> outDir = Path.of(value(args, ++i, a));
        case "--write-docs" -> writeDocs = true;
        case "--seed" -> seed = Long.parseLong(value(args, ++i, a));
        case "--instances" -> instances = (int) range(a, value(args, ++i, a), 1, 16);
        default -> throw new IllegalArgumentException("unknown option '" + a + "'\n" + USAGE);
      }
    }
    return new BenchOptions(
        events,
        repeats,
        partitions,
        contenders,
        latency,
        grace,
        Map.copyOf(sets),
        outDir,
        writeDocs,
        seed,
        instances);
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length || args[i].startsWith("--")) {
      throw new IllegalArgumentException(option + " needs a value\n" + USAGE);
    }
    return args[i];
  }

  private static long positiveLong(String option, String v) {
    return range(option, v, 1, Long.MAX_VALUE);
  }

  private static long range(String option, String v, long min, long max) {
    long n;
    try {
      n = Long.parseLong(v.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " expects a whole number, got '" + v + "'");
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(
          option + " must be between " + min + " and " + max + ", got " + n);
    }
    return n;
  }

  private static List<String> contenders(String v) {
    List<String> list = new ArrayList<>();
    for (String c : v.split(",")) {
      String name = c.strip();
      if (!ALL.contains(name)) {
        throw new IllegalArgumentException(
            "--contenders: unknown contender '" + name + "'; known: " + String.join(",", ALL));
      }
      if (!list.contains(name)) {
        list.add(name);
      }
    }
    if (list.isEmpty()) {
      throw new IllegalArgumentException("--contenders: name at least one contender");
    }
    return List.copyOf(list);
  }
}
