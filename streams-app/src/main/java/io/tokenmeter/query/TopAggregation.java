package io.tokenmeter.query;

import io.tokenmeter.schemas.UsageRollup;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/** {@code /api/v1/top}: the rollups summed per group, the largest {@code n} by one value. */
final class TopAggregation {

  /** What {@code by} sorts on. */
  enum By {
    COST("cost", t -> t.costMicros),
    TOKENS("tokens", Totals::tokens),
    REQUESTS("requests", t -> t.requests),
    ERRORS("errors", t -> t.errors);

    final String parameter;
    final Function<Totals, Long> value;

    By(String parameter, Function<Totals, Long> value) {
      this.parameter = parameter;
      this.value = value;
    }

    static By named(String parameter) {
      for (By b : values()) {
        if (b.parameter.equals(parameter)) {
          return b;
        }
      }
      throw new BadParameterException(
          "by", "unknown value '" + parameter + "'; one of cost, tokens, requests, errors");
    }
  }

  record Row(String group, Totals totals) {}

  private TopAggregation() {}

  /** Descending by {@code by}, nulls (no priced request) last, ties by group name. */
  static List<Row> of(Iterable<UsageRollup> rollups, By by, Dimension group, int n) {
    Map<String, Totals> byGroup = new TreeMap<>();
    for (UsageRollup r : rollups) {
      byGroup.computeIfAbsent(group.of(r), g -> new Totals()).add(r);
    }
    List<Row> rows = new ArrayList<>();
    byGroup.forEach((g, t) -> rows.add(new Row(g, t)));
    Comparator<Row> order = Comparator.comparing(
            (Row row) -> by.value.apply(row.totals()),
            Comparator.nullsLast(Comparator.<Long>reverseOrder()))
        .thenComparing(Row::group);
    rows.sort(order);
    return rows.size() > n ? List.copyOf(rows.subList(0, n)) : rows;
  }
}
