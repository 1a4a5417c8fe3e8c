package io.tokenmeter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class TablePrinterTest {

  private static final List<TablePrinter.Column> COLUMNS = List.of(
      new TablePrinter.Column("model", false),
      new TablePrinter.Column("requests", true),
      new TablePrinter.Column("summary", false));

  @Test
  void numbersAlignRightAndTextLeft() {
    String table = print(120, List.of(List.of("gpt-4o", "7", "ok"), List.of("o1", "1234", "slow")));

    assertThat(table.lines())
        .containsExactly(
            "model   requests  summary", "gpt-4o         7  ok", "o1          1234  slow");
  }

  @Test
  void aTableWiderThanTheBudgetShrinksItsWidestColumnAndCutsItWithAnEllipsis() {
    String longText = "a".repeat(100);

    String table = print(40, List.of(List.of("gpt-4o", "7", longText)));

    assertThat(table.lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(40));
    assertThat(table.lines().toList().get(1))
        .isEqualTo("gpt-4o         7  " + "a".repeat(21) + "…");
  }

  @Test
  void noColumnShrinksBelowThreeCharactersSoAVeryNarrowTableOverflowsInstead() {
    int[] widths = TablePrinter.fit(new int[] {10, 10, 10}, 5);

    assertThat(widths).containsExactly(3, 3, 3);
  }

  @Test
  void streamingRowsUseThePreferredWidthsAndPrintTheHeaderOnce() {
    StringWriter out = new StringWriter();
    TablePrinter printer = new TablePrinter(
        List.of(new TablePrinter.Column("model", false, 8), new TablePrinter.Column("n", true, 4)),
        120);
    TablePrinter.Streaming stream = printer.streaming(new PrintWriter(out));

    stream.row(List.of("gpt-4o-mini-long", "3"));
    stream.row(List.of("o1", "12"));

    assertThat(out.toString().lines())
        .containsExactly("model        n", "gpt-4o-…     3", "o1          12");
  }

  @Test
  void streamingLeavesOutTheLastColumnsRatherThanCutTheirHeaders() {
    StringWriter out = new StringWriter();
    TablePrinter printer = new TablePrinter(
        List.of(
            new TablePrinter.Column("window_start", false, 19, true),
            new TablePrinter.Column("model", false, 14),
            new TablePrinter.Column("output_tokens", true, 13)),
        30);

    printer
        .streaming(new PrintWriter(out))
        .row(List.of("2026-11-27 10:15:00", "gpt-4o-2024-08-06", "90"));

    assertThat(out.toString().lines())
        .containsExactly("window_start         model", "2026-11-27 10:15:00  gpt-4o-2…");
  }

  @Test
  void numbersAreNeverCutSinceACutNumberReadsAsAnother() {
    String table =
        print(30, List.of(List.of("gpt-4o-2024-08-06", "123456789012", "a long summary")));

    assertThat(table.lines().toList().get(1)).contains("123456789012").contains("…");
  }

  @Test
  void missingAndNullCellsPrintEmptyAndLineBreaksInsideACellBecomeSpaces() {
    java.util.ArrayList<String> row = new java.util.ArrayList<>();
    row.add(null);
    row.add("1");
    row.add("two\nlines");

    String table = print(120, List.of(row, List.of("x")));

    assertThat(table.lines())
        .containsExactly("model  requests  summary", "              1  two lines", "x");
  }

  private static String print(int width, List<List<String>> rows) {
    StringWriter out = new StringWriter();
    new TablePrinter(COLUMNS, width).print(rows, new PrintWriter(out));
    return out.toString();
  }
}
