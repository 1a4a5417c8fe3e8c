package io.tokenmeter.query;

import static io.tokenmeter.query.Rollups.rollup;
import static io.tokenmeter.query.Rollups.sketch;
import static org.assertj.core.api.Assertions.assertThat;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.tokenmeter.schemas.UsageRollup;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AggregationTest {

  @Test
  void seriesSumsEachGroupsMinuteAndComputesTheErrorRateOfTheSums() {
    List<UsageRollup> rollups = List.of(
        rollup(0).setRequests(10).setErrors(1).build(),
        rollup(0).setApiKeyFingerprint("fp-2").setRequests(30).setErrors(7).build(),
        rollup(1).setRequests(5).setErrors(0).build(),
        rollup(0).setModel("gpt-4o-mini").setRequests(2).setErrors(2).build());

    List<SeriesAggregation.Series> rate =
        SeriesAggregation.of(rollups, Metric.ERROR_RATE, Dimension.MODEL);
    assertThat(rate)
        .extracting(SeriesAggregation.Series::group)
        .containsExactly("gpt-4o", "gpt-4o-mini");
    assertThat(rate.get(0).points())
        .containsExactly(
            Map.entry(Rollups.T0.toEpochMilli(), 0.2),
            Map.entry(Rollups.T0.toEpochMilli() + 60_000, 0.0));
    assertThat(rate.get(1).points()).containsExactly(Map.entry(Rollups.T0.toEpochMilli(), 1.0));

    List<SeriesAggregation.Series> all = SeriesAggregation.of(rollups, Metric.REQUESTS, null);
    assertThat(all).singleElement().satisfies(s -> {
      assertThat(s.group()).isEqualTo("all");
      assertThat(s.points())
          .containsExactly(
              Map.entry(Rollups.T0.toEpochMilli(), 42L),
              Map.entry(Rollups.T0.toEpochMilli() + 60_000, 5L));
    });
  }

  @Test
  void costIsNullForAMinuteWithoutAPricedRequestAndIntegerOtherwise() {
    List<UsageRollup> rollups = List.of(
        rollup(0).setCostMicros(null).setUnpricedRequests(10).build(),
        rollup(1).setCostMicros(null).build(),
        rollup(1).setApiKeyFingerprint("fp-2").setCostMicros(3L).build());
    SeriesAggregation.Series s =
        SeriesAggregation.of(rollups, Metric.COST_MICROS, null).get(0);
    assertThat(s.points().get(Rollups.T0.toEpochMilli())).isNull();
    assertThat(s.points().get(Rollups.T0.toEpochMilli() + 60_000)).isEqualTo(3L);
  }

  @Test
  void percentilesMergeTheSketchesAndMatchTheReferenceWithinTheirAccuracy() {
    Random random = new Random(5);
    DDSketch reference = LatencySketches.empty();
    List<double[]> parts = List.of(new double[400], new double[300], new double[50]);
    List<UsageRollup> rollups = new java.util.ArrayList<>();
    int i = 0;
    for (double[] part : parts) {
      for (int j = 0; j < part.length; j++) {
        part[j] = 50 + random.nextDouble() * (i == 2 ? 20_000 : 800);
      }
      reference.mergeWith(sketch(part));
      rollups.add(rollup(0)
          .setApiKeyFingerprint("fp-" + i++)
          .setLatencySketch(sketch(part).serialize())
          .build());
    }
    rollups.add(rollup(0).setApiKeyFingerprint("no-latency").build());
    double[] all =
        parts.stream().flatMapToDouble(java.util.Arrays::stream).sorted().toArray();

    for (Metric m : List.of(Metric.LATENCY_P50_MS, Metric.LATENCY_P95_MS, Metric.LATENCY_P99_MS)) {
      double q = m == Metric.LATENCY_P50_MS ? 0.50 : m == Metric.LATENCY_P95_MS ? 0.95 : 0.99;
      double merged = (Double)
          SeriesAggregation.of(rollups, m, null).get(0).points().get(Rollups.T0.toEpochMilli());
      assertThat(merged).as(m.parameter).isEqualTo(reference.getValueAtQuantile(q));
      // DDSketch's rank is q * (n - 1); 1% relative accuracy around the values next to it.
      double rank = q * (all.length - 1);
      assertThat(merged)
          .as(m.parameter + " vs exact")
          .isBetween(all[(int) Math.floor(rank)] * 0.99, all[(int) Math.ceil(rank)] * 1.01);
    }
    assertThat(SeriesAggregation.of(List.of(rollup(0).build()), Metric.LATENCY_P95_MS, null)
            .get(0)
            .points()
            .values())
        .containsOnlyNulls();
  }

  @Test
  void rateLimitUtilizationIsTheMinutesPeak() {
    List<UsageRollup> rollups = List.of(
        rollup(0).setPeakRateLimitUtilization(0.4).build(),
        rollup(0).setApiKeyFingerprint("fp-2").setPeakRateLimitUtilization(0.9).build(),
        rollup(0).setApiKeyFingerprint("fp-3").build());
    assertThat(SeriesAggregation.of(rollups, Metric.RATE_LIMIT_UTILIZATION, null)
            .get(0)
            .points()
            .values())
        .containsExactly(0.9);
  }

  @Test
  void topSortsDescendingWithNullCostLastAndKeepsTheKeyHint() {
    List<UsageRollup> rollups = List.of(
        rollup(0).setApiKeyFingerprint("cheap").setCostMicros(10L).build(),
        rollup(1)
            .setApiKeyFingerprint("cheap")
            .setCostMicros(15L)
            .setApiKeyHint("sk-...new")
            .build(),
        rollup(0).setApiKeyFingerprint("dear").setCostMicros(1_000L).build(),
        rollup(0)
            .setApiKeyFingerprint("unpriced")
            .setCostMicros(null)
            .setRequests(99)
            .setUnpricedRequests(99)
            .build(),
        rollup(0).setApiKeyFingerprint("also-unpriced").setCostMicros(null).build());

    List<TopAggregation.Row> rows =
        TopAggregation.of(rollups, TopAggregation.By.COST, Dimension.KEY, 10);
    assertThat(rows)
        .extracting(TopAggregation.Row::group)
        .containsExactly("dear", "cheap", "also-unpriced", "unpriced");
    TopAggregation.Row cheap = rows.get(1);
    assertThat(cheap.totals().costMicros).isEqualTo(25L);
    assertThat(cheap.totals().requests).isEqualTo(20);
    assertThat(cheap.totals().tokens()).isEqualTo(2200);
    assertThat(cheap.totals().apiKeyHint).isEqualTo("sk-...new");

    assertThat(TopAggregation.of(rollups, TopAggregation.By.REQUESTS, Dimension.KEY, 2))
        .extracting(TopAggregation.Row::group)
        .containsExactly("unpriced", "cheap");
    assertThat(TopAggregation.of(rollups, TopAggregation.By.TOKENS, Dimension.MODEL, 10))
        .singleElement()
        .satisfies(r -> assertThat(r.totals().tokens()).isEqualTo(5 * 1100));
  }
}
