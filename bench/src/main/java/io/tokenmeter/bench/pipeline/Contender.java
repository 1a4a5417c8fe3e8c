package io.tokenmeter.bench.pipeline;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** One way of computing the per-minute sums over the benchmark topic, run in its own JVM. */
interface Contender {

  String name();

  /** Runs once and reports; a failure is an outcome, not an exception, so the run goes on. */
  Outcome run(Run run) throws Exception;

  /** Everything a repeat needs; names that must be fresh per repeat carry {@code suffix}. */
  record Run(
      String bootstrap,
      String topic,
      long events,
      Totals expected,
      String suffix,
      Path workDir,
      Duration timeout,
      long brokerPid,
      BenchOptions options,
      String classpath) {}

  /**
   * @param seconds the measured interval; eventsPerSec is events / seconds unless the contender
   *     measures its own rate
   * @param brokerCpuSeconds the broker's CPU from the contender's start to its finish line
   */
  record Outcome(
      String contender,
      boolean passed,
      String reason,
      double eventsPerSec,
      double seconds,
      double cpuSeconds,
      double brokerCpuSeconds,
      Map<String, Object> extra) {

    static Outcome failed(String contender, String reason) {
      return new Outcome(contender, false, reason, 0, 0, 0, 0, Map.of());
    }
  }
}
