package io.tokenmeter.bench.pipeline;

import io.tokenmeter.bench.pipeline.Contender.Outcome;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Medians over the repeats, the ratios the issue sets targets for, and the two renderings
 * (results.json for machines and the smoke test, results.md for docs/benchmarks.md). Only repeats
 * that passed the gate are timed: a contender that miscounts has no throughput worth reporting.
 */
final class Report {

  record Summary(
      String contender,
      int passed,
      int runs,
      List<String> failures,
      double medianEventsPerSec,
      double minEventsPerSec,
      double maxEventsPerSec,
      double cpuSecondsPerMillion,
      double coresBusy,
      double brokerCpuSecondsPerMillion,
      double brokerCoresBusy) {

    boolean allPassed() {
      return runs > 0 && passed == runs;
    }
  }

  record Ratio(String name, String numerator, String denominator, Double value, Double target) {
    /** Null when there is no target or no value. */
    Boolean met() {
      return value == null || target == null ? null : value >= target;
    }
  }

  static final List<Ratio> RATIO_DEFINITIONS = List.of(
      new Ratio("tokenmeter-eos / consumer-perf", "tokenmeter-eos", "consumer-perf", null, 0.35),
      new Ratio("tokenmeter-alos / consumer-perf", "tokenmeter-alos", "consumer-perf", null, 0.45),
      new Ratio("tokenmeter-eos / plain-consumer", "tokenmeter-eos", "plain-consumer", null, null),
      new Ratio(
          "tokenmeter-alos / plain-consumer", "tokenmeter-alos", "plain-consumer", null, null),
      new Ratio(
          "tokenmeter-eos / tokenmeter-alos", "tokenmeter-eos", "tokenmeter-alos", null, null),
      new Ratio("tokenmeter-eos / flink-sql", "tokenmeter-eos", "flink-sql", null, 1.3),
      new Ratio("tokenmeter-alos / flink-sql", "tokenmeter-alos", "flink-sql", null, null));

  static final long STATE_BYTES_TARGET = 256;

  private Report() {}

  static Summary summarize(String contender, List<Outcome> outcomes, long events) {
    List<Double> rates = new ArrayList<>();
    List<Double> cpuPerMillion = new ArrayList<>();
    List<Double> cores = new ArrayList<>();
    List<Double> brokerPerMillion = new ArrayList<>();
    List<Double> brokerCores = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    for (Outcome o : outcomes) {
      if (!o.passed()) {
        failures.add(o.reason());
        continue;
      }
      rates.add(o.eventsPerSec());
      cpuPerMillion.add(o.cpuSeconds() / events * 1e6);
      cores.add(o.seconds() > 0 ? o.cpuSeconds() / o.seconds() : Double.NaN);
      brokerPerMillion.add(o.brokerCpuSeconds() / events * 1e6);
      brokerCores.add(o.seconds() > 0 ? o.brokerCpuSeconds() / o.seconds() : Double.NaN);
    }
    return new Summary(
        contender,
        rates.size(),
        outcomes.size(),
        failures,
        Stats.median(rates),
        Stats.min(rates),
        Stats.max(rates),
        Stats.median(cpuPerMillion),
        Stats.median(cores),
        Stats.median(brokerPerMillion),
        Stats.median(brokerCores));
  }

  /** Each defined ratio of medians; value null when either side has no passing repeat or was not run. */
  static List<Ratio> ratios(Map<String, Summary> summaries) {
    List<Ratio> out = new ArrayList<>();
    for (Ratio d : RATIO_DEFINITIONS) {
      Summary n = summaries.get(d.numerator());
      Summary m = summaries.get(d.denominator());
      Double value = n == null || m == null || n.passed() == 0 || m.passed() == 0
          ? null
          : n.medianEventsPerSec() / m.medianEventsPerSec();
      out.add(new Ratio(d.name(), d.numerator(), d.denominator(), value, d.target()));
    }
    return out;
  }

  static String markdown(
      Map<String, Object> machine,
      List<Summary> summaries,
      List<Ratio> ratios,
      Map<String, Object> state,
      Map<String, Object> latency) {
    StringBuilder md = new StringBuilder();
    md.append(
        "| contender | events/s median | min | max | gate | CPU-s per 1M events | cores busy | broker CPU-s per 1M | broker cores |\n");
    md.append("|---|---|---|---|---|---|---|---|---|\n");
    for (Summary s : summaries) {
      String gate = s.allPassed()
          ? "pass " + s.passed() + "/" + s.runs()
          : "**FAIL** " + (s.runs() - s.passed()) + "/" + s.runs() + ": "
              + oneLine(s.failures().get(0));
      md.append("| ")
          .append(s.contender())
          .append(" | ")
          .append(rate(s.medianEventsPerSec()))
          .append(" | ")
          .append(rate(s.minEventsPerSec()))
          .append(" | ")
          .append(rate(s.maxEventsPerSec()))
          .append(" | ")
          .append(gate)
          .append(" | ")
          .append(num(s.cpuSecondsPerMillion(), 1))
          .append(" | ")
          .append(num(s.coresBusy(), 2))
          .append(" | ")
          .append(num(s.brokerCpuSecondsPerMillion(), 1))
          .append(" | ")
          .append(num(s.brokerCoresBusy(), 2))
          .append(" |\n");
    }
    md.append("\n| ratio of medians | value | target |\n|---|---|---|\n");
    for (Ratio r : ratios) {
      md.append("| ")
          .append(r.name())
          .append(" | ")
          .append(r.value() == null ? "n/a" : num(r.value(), 2))
          .append(" | ")
          .append(
              r.target() == null
                  ? ""
                  : "≥ " + num(r.target(), 2)
                      + (r.met() == null ? "" : r.met() ? " (met)" : " (**missed**)"))
          .append(" |\n");
    }
    if (state != null && !state.isEmpty()) {
      md.append(
          "\nRollup state (tokenmeter-eos, changelog `rollup-windows`, median over repeats):\n\n");
      md.append(
          "| key-windows (with a stored value) | bytes median | p90 | p99 | max | target median | changelog writes per key-window median | mean |\n");
      md.append("|---|---|---|---|---|---|---|---|\n");
      if (state.containsKey("error")) {
        md.append("| ").append(state.get("error")).append(" | | | | | ≤ 256 | | |\n");
      } else {
        md.append("| ")
            .append(state.get("keyWindows"))
            .append(" (")
            .append(state.get("keyWindowsWithValue"))
            .append(") | ")
            .append(state.get("bytesMedian"))
            .append(" | ")
            .append(state.get("bytesP90"))
            .append(" | ")
            .append(state.get("bytesP99"))
            .append(" | ")
            .append(state.get("bytesMax"))
            .append(" | ≤ ")
            .append(STATE_BYTES_TARGET)
            .append(
                ((Number) state.get("bytesMedian")).longValue() <= STATE_BYTES_TARGET
                    ? " (met)"
                    : " (**missed**)")
            .append(" | ")
            .append(num(((Number) state.get("writesPerKeyWindowMedian")).doubleValue(), 1))
            .append(" | ")
            .append(num(((Number) state.get("writesPerKeyWindowMean")).doubleValue(), 2))
            .append(" |\n");
      }
    }
    if (latency != null && !latency.isEmpty()) {
      md.append("\nLatency (tokenmeter-eos, ")
          .append(latency.get("seconds"))
          .append(" s at ")
          .append(latency.get("ratePerSecond"))
          .append(" events/s, gate: ")
          .append(latency.get("gate"))
          .append("):\n\n");
      md.append(
          "| measure | count | p50 ms | p99 ms | max ms | target |\n|---|---|---|---|---|---|\n");
      latencyRow(md, "event → alert", latency.get("eventToAlert"), "");
      latencyRow(
          md,
          "window end → final rollup",
          latency.get("windowEndToRollup"),
          "p99 ≤ grace + 2 s = " + (((Number) latency.get("graceSeconds")).intValue() * 1000 + 2000)
              + " ms");
    }
    md.append("\nMachine: ")
        .append(machine.get("nproc"))
        .append(" cores (")
        .append(machine.get("cpuModel"))
        .append("), ")
        .append(machine.get("memory"))
        .append(", ")
        .append(machine.get("os"))
        .append("; children: ")
        .append(machine.get("javaVersion"))
        .append(", flags `")
        .append(String.join(" ", ChildProcess.JVM_FLAGS))
        .append("`; load average at start ")
        .append(machine.get("loadAverage"))
        .append("; ")
        .append(machine.get("dateUtc"))
        .append(".\n\nRun: N = ")
        .append(machine.get("events"))
        .append(", P = ")
        .append(machine.get("partitions"))
        .append(", R = ")
        .append(machine.get("repeats"))
        .append(", grace = ")
        .append(machine.get("graceSeconds"))
        .append(" s, --set ")
        .append(machine.get("sets"))
        .append(". Command: `")
        .append(machine.get("command"))
        .append("`\n");
    return md.toString();
  }

  @SuppressWarnings("unchecked")
  private static void latencyRow(StringBuilder md, String name, Object o, String target) {
    Map<String, Object> m = (Map<String, Object>) o;
    if (m == null) {
      return;
    }
    md.append("| ")
        .append(name)
        .append(" | ")
        .append(m.get("count"))
        .append(" | ")
        .append(m.get("p50"))
        .append(" | ")
        .append(m.get("p99"))
        .append(" | ")
        .append(m.get("max"))
        .append(" | ")
        .append(target)
        .append(" |\n");
  }

  static Map<String, Object> json(
      Map<String, Object> machine,
      Totals expected,
      List<Summary> summaries,
      Map<String, List<Outcome>> outcomes,
      List<Ratio> ratios,
      Map<String, Object> state,
      Map<String, Object> latency) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("machine", machine);
    root.put("expected", expected.toMap());
    List<Map<String, Object>> cs = new ArrayList<>();
    for (Summary s : summaries) {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("contender", s.contender());
      c.put("passed", s.allPassed());
      c.put("passedRepeats", s.passed());
      c.put("repeats", s.runs());
      c.put("failures", s.failures());
      c.put("eventsPerSecMedian", finite(s.medianEventsPerSec()));
      c.put("eventsPerSecMin", finite(s.minEventsPerSec()));
      c.put("eventsPerSecMax", finite(s.maxEventsPerSec()));
      c.put("cpuSecondsPerMillion", finite(s.cpuSecondsPerMillion()));
      c.put("coresBusy", finite(s.coresBusy()));
      c.put("brokerCpuSecondsPerMillion", finite(s.brokerCpuSecondsPerMillion()));
      c.put("brokerCoresBusy", finite(s.brokerCoresBusy()));
      c.put("runs", outcomes.get(s.contender()));
      cs.add(c);
    }
    root.put("contenders", cs);
    List<Map<String, Object>> rs = new ArrayList<>();
    for (Ratio r : ratios) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("ratio", r.name());
      m.put("value", r.value());
      m.put("target", r.target());
      m.put("met", r.met());
      rs.add(m);
    }
    root.put("ratios", rs);
    root.put("state", state);
    root.put("latency", latency);
    return root;
  }

  private static Double finite(double d) {
    return Double.isFinite(d) ? d : null;
  }

  static String rate(double d) {
    return Double.isFinite(d) ? String.format(Locale.ROOT, "%,.0f", d) : "–";
  }

  static String num(double d, int decimals) {
    return Double.isFinite(d) ? String.format(Locale.ROOT, "%." + decimals + "f", d) : "–";
  }

  private static String oneLine(String s) {
    String line = s == null ? "" : s.lines().findFirst().orElse("");
    return line.replace("|", "\\|");
  }
}
