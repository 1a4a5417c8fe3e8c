package io.tokenmeter.cost;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Small price tables written with | for tab, so a test shows its rows at a glance. */
final class Tables {

  static final String HEADER = String.join("\t", PriceTableParser.COLUMNS);

  private Tables() {}

  /** A table of version {@code test} with rows written {@code provider|model|...|taken_on}. */
  static PriceTable of(String... rows) {
    return PriceTableParser.parse("test table", lines(rows));
  }

  static List<String> lines(String... rows) {
    List<String> lines = new ArrayList<>(List.of("# version: test", HEADER));
    Arrays.stream(rows).map(r -> r.replace('|', '\t')).forEach(lines::add);
    return lines;
  }
}
