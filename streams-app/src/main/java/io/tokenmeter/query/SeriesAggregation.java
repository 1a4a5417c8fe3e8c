package io.tokenmeter.query;

import io.tokenmeter.schemas.UsageRollup;
import java.util.Map;
import java.util.TreeMap;

/** {@code /api/v1/series}: the rollups summed per group and minute, then one metric of each. */
final class SeriesAggregation {

  /** One group's minutes, ascending: window start → value (Long, Double or null). */
  record Series(String group, Map<Long, Number> points) {}

  private SeriesAggregation() {}

  /** {@code groupBy} null means one group, {@code "all"}. Groups come sorted by name. */
  static java.util.List<Series> of(
      Iterable<UsageRollup> rollups, Metric metric, Dimension groupBy) {
    Map<String, Map<Long, Totals>> byGroup = new TreeMap<>();
    for (UsageRollup r : rollups) {
      String group = groupBy == null ? "all" : groupBy.of(r);
      byGroup
          .computeIfAbsent(group, g -> new TreeMap<>())
          .computeIfAbsent(r.getWindowStart().toEpochMilli(), w -> new Totals())
          .add(r);
    }
    java.util.List<Series> series = new java.util.ArrayList<>();
    byGroup.forEach((group, minutes) -> {
      Map<Long, Number> points = new TreeMap<>();
      minutes.forEach((window, totals) -> points.put(window, metric.of(totals)));
      series.add(new Series(group, points));
    });
    return series;
  }
}
