package io.tokenmeter.bench.pipeline;

import io.tokenmeter.schemas.UsageRollup;
import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The real streams app, at-least-once or exactly-once. It does much more than the sums: it
 * deduplicates, dead-letters, prices, keeps latency sketches, runs the alert detectors and keeps
 * the query store. Throughput runs from its first fetched record to the moment its committed
 * offsets reach the end of the input; the gate then reads the final rollups as a downstream
 * consumer would (read_committed), once every window has closed.
 */
final class TokenmeterContender implements Contender {

  private final String guarantee;

  TokenmeterContender(String guarantee) {
    this.guarantee = guarantee;
  }

  static TokenmeterContender alos() {
    return new TokenmeterContender("at_least_once");
  }

  static TokenmeterContender eos() {
    return new TokenmeterContender("exactly_once_v2");
  }

  @Override
  public String name() {
    return "exactly_once_v2".equals(guarantee) ? "tokenmeter-eos" : "tokenmeter-alos";
  }

  /** The app's configuration for one run; {@code --set} overrides come last and win. */
  Map<String, String> config(
      String bootstrap, String callsTopic, String suffix, Path stateDir, BenchOptions options) {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("kafka.bootstrap.servers", bootstrap);
    c.put("kafka.application.id", "bench-" + name() + suffix);
    c.put("kafka.processing.guarantee", guarantee);
    c.put("kafka.state.dir", stateDir.toString());
    c.put("topics.calls", callsTopic);
    c.put("topics.rollups", "bench.rollups." + name() + suffix);
    c.put("topics.alerts", "bench.alerts." + name() + suffix);
    c.put("topics.calls.dead.letter", "bench.dlq." + name() + suffix);
    c.put("http.enabled", "false");
    c.put("rollup.grace", options.graceSeconds() + "s");
    // The most the grace allows (the app refuses more): the preload lies in the past, and live
    // events are stamped on this host.
    c.put("rollup.future.tolerance", options.graceSeconds() + "s");
    c.put("rollup.close.check.interval", "1s");
    c.put("kafka.client.main.consumer.interceptor.classes", FirstPollInterceptor.class.getName());
    c.putAll(options.sets());
    return c;
  }

  static List<String> args(Path resultFile, Map<String, String> config) {
    List<String> args = new ArrayList<>();
    args.add(resultFile.toString());
    config.forEach((k, v) -> args.add(k + "=" + v));
    return args;
  }

  @Override
  public Outcome run(Run run) throws Exception {
    int instances = run.options().instances();
    List<Path> stateDirs = new ArrayList<>();
    List<ChildProcess> children = new ArrayList<>();
    List<Path> results = new ArrayList<>();
    Map<String, String> config = null;
    long broker0 = Cpu.processNanos(run.brokerPid());
    Map<String, Double> brokerThreads0 = ThreadCpu.byGroup(Long.toString(run.brokerPid()));
    Map<String, Object> extra = new LinkedHashMap<>();
    ResultFile r;
    Gate.Verdict verdict;
    try {
      // Every instance is the same app (one application id), with a state directory of its own;
      // they start together, and Kafka Streams spreads the partitions over them.
      for (int i = 0; i < instances; i++) {
        String instance = instances == 1 ? "" : "-i" + (i + 1);
        Path stateDir = Files.createTempDirectory("tokenmeter-bench-state-");
        stateDirs.add(stateDir);
        Map<String, String> c =
            config(run.bootstrap(), run.topic(), run.suffix(), stateDir, run.options());
        if (i == 0) {
          config = c; // the instances differ only in their state directory
        }
        Path result = run.workDir().resolve(name() + run.suffix() + instance + ".json");
        results.add(result);
        children.add(ChildProcess.start(
            name() + instance,
            run.classpath(),
            TokenmeterChild.class.getName(),
            args(result, c),
            run.workDir().resolve(name() + run.suffix() + instance + ".log")));
      }
      List<ResultFile> each = new ArrayList<>();
      for (int i = 0; i < instances; i++) {
        each.add(children.get(i).awaitResult(results.get(i), run.timeout()));
      }
      r = combined(each);
      double brokerCpu = (Cpu.processNanos(run.brokerPid()) - broker0) / 1e9;
      System.out.print("broker "
          + ThreadCpu.describe(
              ThreadCpu.since(brokerThreads0, ThreadCpu.byGroup(Long.toString(run.brokerPid())))));
      if (r.error() != null) {
        return Outcome.failed(name(), r.error());
      }
      extra.put("brokerCpuSecondsMeasured", brokerCpu);
      if (instances > 1) {
        extra.put("instances", instances);
      }
      Duration rollupWait =
          Duration.ofSeconds(run.options().graceSeconds() + 120 + run.events() / 20_000);
      Totals got = readRollups(
          run.bootstrap(), config.get("topics.rollups"), run.events(), rollupWait, null);
      verdict = Gate.check(run.expected(), got);
      Map<String, Long> dead = TopicReader.countByHeader(
          run.bootstrap(), config.get("topics.calls.dead.letter"), "tokenmeter.dlq.reason");
      if (!dead.isEmpty()) {
        long n = dead.values().stream().mapToLong(Long::longValue).sum();
        String deadText = n + " records in the dead-letter topic, by reason " + dead;
        verdict =
            Gate.Verdict.fail(verdict.passed() ? deadText : deadText + "; " + verdict.reason());
      }
      if (!verdict.passed() && got.requests() < run.events()) {
        verdict = Gate.Verdict.fail(
            verdict.reason() + " (after waiting " + rollupWait.toSeconds() + " s for rollups)");
      }
    } finally {
      children.forEach(ChildProcess::close);
      stateDirs.forEach(PipelineBench::deleteRecursively);
    }
    if (verdict.passed() && "exactly_once_v2".equals(guarantee)) {
      String changelog = config.get("kafka.application.id") + "-rollup-windows-changelog";
      extra.put("state", ChangelogStats.read(run.bootstrap(), changelog).toMap());
      extra.put(
          "offsetsWritten",
          TopicOffsets.written(
              run.bootstrap(),
              Set.of(
                  config.get("kafka.application.id"),
                  config.get("topics.rollups"),
                  config.get("topics.alerts"),
                  config.get("topics.calls.dead.letter"))));
    }
    if (!verdict.passed()) {
      return Outcome.failed(name(), verdict.reason());
    }
    return new Outcome(
        name(),
        true,
        "",
        run.events() / r.seconds(),
        r.seconds(),
        r.cpuNanos() / 1e9,
        (double) extra.remove("brokerCpuSecondsMeasured"),
        extra);
  }

  /**
   * Several instances as one contender: from the first record any of them read to the last one's
   * finish line, on the CPU of all of them. Each watches the group's committed offsets, so each
   * sees the whole input done; one that failed fails the run.
   */
  static ResultFile combined(List<ResultFile> each) {
    if (each.size() == 1) {
      return each.get(0);
    }
    for (ResultFile f : each) {
      if (f.error() != null) {
        return f;
      }
    }
    long first = each.stream()
        .mapToLong(ResultFile::firstRecordAtMs)
        .filter(t -> t > 0)
        .min()
        .orElse(0);
    long finished = each.stream().mapToLong(ResultFile::finishedAtMs).max().orElse(0);
    long records = each.stream().mapToLong(ResultFile::records).max().orElse(0);
    long cpu = each.stream().mapToLong(ResultFile::cpuNanos).sum();
    return new ResultFile(
        each.get(0).contender(), records, first, finished, cpu, 0, null, null, null);
  }

  /** A final rollup and when it arrived here (wall clock). */
  interface RollupListener {
    void arrived(UsageRollup rollup, long arrivalMs);
  }

  /**
   * Sums the rollups topic until its requests reach {@code requests} or the time is up, whichever
   * first; returns the sums so far either way, so the gate can say what was missing.
   */
  static Totals readRollups(
      String bootstrap, String topic, long requests, Duration timeout, RollupListener listener) {
    AvroDeserializer<UsageRollup> avro =
        new AvroDeserializer<>(UsageRollup.class, AvroSerdeConfig.withoutRegistry());
    Totals.Sum sum = new Totals.Sum();
    long deadline = System.nanoTime() + timeout.toNanos();
    try (TopicReader reader = new TopicReader(bootstrap, topic)) {
      while (sum.requests < requests && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> rec : reader.poll(Duration.ofMillis(200))) {
          long arrival = System.currentTimeMillis();
          UsageRollup u = avro.deserialize(topic, rec.value());
          sum.add(new Totals(
              u.getRequests(),
              u.getErrors(),
              u.getInputTokens(),
              u.getOutputTokens(),
              u.getCacheReadInputTokens(),
              u.getCacheCreationInputTokens(),
              u.getReasoningOutputTokens(),
              u.getRequestsWithoutUsage()));
          if (listener != null) {
            listener.arrived(u, arrival);
          }
        }
      }
    }
    return sum.totals();
  }
}
