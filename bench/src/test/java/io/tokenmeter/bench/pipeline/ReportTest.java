package io.tokenmeter.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.bench.pipeline.Contender.Outcome;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportTest {

  private static Outcome ok(
      String name, double rate, double seconds, double cpu, double brokerCpu) {
    return new Outcome(name, true, "", rate, seconds, cpu, brokerCpu, Map.of());
  }

  @Test
  void summaryTakesMedianMinMaxOverPassingRepeatsOnly() {
    Report.Summary s = Report.summarize(
        "plain-consumer",
        List.of(
            ok("plain-consumer", 100, 10, 20, 5),
            ok("plain-consumer", 300, 10, 10, 5),
            Outcome.failed("plain-consumer", "requests 1 != expected 2"),
            ok("plain-consumer", 200, 10, 30, 5)),
        1_000_000);
    assertThat(s.passed()).isEqualTo(3);
    assertThat(s.runs()).isEqualTo(4);
    assertThat(s.allPassed()).isFalse();
    assertThat(s.failures()).containsExactly("requests 1 != expected 2");
    assertThat(s.medianEventsPerSec()).isEqualTo(200);
    assertThat(s.minEventsPerSec()).isEqualTo(100);
    assertThat(s.maxEventsPerSec()).isEqualTo(300);
    assertThat(s.cpuSecondsPerMillion()).isEqualTo(20);
    assertThat(s.coresBusy()).isEqualTo(2.0);
    assertThat(s.brokerCoresBusy()).isEqualTo(0.5);
  }

  @Test
  void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
    assertThat(Stats.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
    assertThat(Stats.percentile(new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90)).isEqualTo(9);
    assertThat(Stats.percentile(new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 99)).isEqualTo(10);
  }

  @Test
  void ratiosAreOfMediansWithTargetsAndNoValueWithoutBothSides() {
    Map<String, Report.Summary> s = Map.of(
        "consumer-perf",
            Report.summarize("consumer-perf", List.of(ok("consumer-perf", 1000, 1, 1, 1)), 1000),
        "tokenmeter-eos",
            Report.summarize("tokenmeter-eos", List.of(ok("tokenmeter-eos", 300, 1, 1, 1)), 1000),
        "tokenmeter-alos",
            Report.summarize("tokenmeter-alos", List.of(ok("tokenmeter-alos", 500, 1, 1, 1)), 1000),
        "flink-sql",
            Report.summarize(
                "flink-sql",
                List.of(Outcome.failed("flink-sql", "bench-flink module not built")),
                1000));
    Map<String, Report.Ratio> byName = Report.ratios(s).stream()
        .collect(java.util.stream.Collectors.toMap(Report.Ratio::name, r -> r));
    assertThat(byName.get("tokenmeter-eos / consumer-perf").value()).isEqualTo(0.3);
    assertThat(byName.get("tokenmeter-eos / consumer-perf").met()).isFalse();
    assertThat(byName.get("tokenmeter-alos / consumer-perf").met()).isTrue();
    assertThat(byName.get("tokenmeter-eos / tokenmeter-alos").value()).isEqualTo(0.6);
    assertThat(byName.get("tokenmeter-eos / tokenmeter-alos").met()).isNull();
    assertThat(byName.get("tokenmeter-eos / flink-sql").value()).isNull();
    assertThat(byName.get("tokenmeter-eos / plain-consumer").value()).isNull();
  }

  @Test
  void gateComparesRequestsAndTheFiveTokenSums() {
    Totals expected = new Totals(10, 1, 100, 50, 20, 5, 7, 1);
    assertThat(Gate.check(expected, expected).passed()).isTrue();
    assertThat(Gate.check(expected, new Totals(10, 9, 100, 50, 20, 5, 7, 0)).passed())
        .isTrue();
    Gate.Verdict v = Gate.check(expected, new Totals(9, 1, 100, 51, 20, 5, 7, 1));
    assertThat(v.passed()).isFalse();
    assertThat(v.reason())
        .contains("requests 9 != expected 10")
        .contains("output_tokens 51 != expected 50");
  }
}
