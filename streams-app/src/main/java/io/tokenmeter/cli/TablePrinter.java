package io.tokenmeter.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints rows as a plain-text table that fits a terminal width: numbers right-aligned, text
 * left-aligned, and the widest columns shrunk first, their cells cut with {@code …}, when the
 * table would not fit. Shared by top, tail and query so that they all look alike.
 */
final class TablePrinter {

  /** A column: its header, whether its cells are numbers, and the width it wants when streaming. */
  record Column(String header, boolean numeric, int preferredWidth) {
    Column(String header, boolean numeric) {
      this(header, numeric, header.length());
    }
  }

  static final String ELLIPSIS = "…";
  private static final String GAP = "  ";
  /** Narrower than this a column shows nothing useful; the table overflows instead. */
  private static final int MIN_COLUMN_WIDTH = 3;

  private final List<Column> columns;
  private final int width;

  TablePrinter(List<Column> columns, int width) {
    if (columns.isEmpty()) {
      throw new IllegalArgumentException("a table needs at least one column");
    }
    this.columns = List.copyOf(columns);
    this.width = width;
  }

  /** Prints the header and all rows, each column as wide as its widest cell allows. */
  void print(List<List<String>> rows, PrintWriter out) {
    int[] natural = new int[columns.size()];
    for (int c = 0; c < natural.length; c++) {
      natural[c] = columns.get(c).header().length();
      for (List<String> row : rows) {
        natural[c] = Math.max(natural[c], cell(row, c).length());
      }
    }
    int[] widths = fit(natural, width);
    out.println(line(headers(), widths));
    for (List<String> row : rows) {
      out.println(line(row, widths));
    }
    out.flush();
  }

  /**
   * For rows that arrive one by one: widths are fixed up front from the columns' preferred widths,
   * since later rows are not known yet.
   */
  Streaming streaming(PrintWriter out) {
    int[] preferred = columns.stream().mapToInt(c -> Math.max(c.preferredWidth(), c.header().length())).toArray();
    return new Streaming(fit(preferred, width), out);
  }

  final class Streaming {
    private final int[] widths;
    private final PrintWriter out;
    private boolean headerPrinted;

    private Streaming(int[] widths, PrintWriter out) {
      this.widths = widths;
      this.out = out;
    }

    void row(List<String> row) {
      if (!headerPrinted) {
        out.println(line(headers(), widths));
        headerPrinted = true;
      }
      out.println(line(row, widths));
      out.flush();
    }
  }

  /**
   * Shrinks the widest column by one until the table fits; a column never goes below its minimum,
   * so a very narrow terminal gets a table that overflows rather than one of empty cells.
   */
  static int[] fit(int[] natural, int width) {
    int[] widths = natural.clone();
    int budget = width - GAP.length() * (widths.length - 1);
    while (sum(widths) > budget) {
      int widest = 0;
      for (int c = 1; c < widths.length; c++) {
        if (widths[c] > widths[widest]) {
          widest = c;
        }
      }
      if (widths[widest] <= MIN_COLUMN_WIDTH) {
        break;
      }
      widths[widest]--;
    }
    return widths;
  }

  private List<String> headers() {
    List<String> headers = new ArrayList<>();
    for (Column c : columns) {
      headers.add(c.header());
    }
    return headers;
  }

  private String line(List<String> row, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int c = 0; c < widths.length; c++) {
      String text = truncate(cell(row, c), widths[c]);
      String pad = " ".repeat(widths[c] - text.length());
      if (c > 0) {
        line.append(GAP);
      }
      if (columns.get(c).numeric()) {
        line.append(pad).append(text);
      } else {
        line.append(text).append(pad);
      }
    }
    // Empty trailing cells would leave spaces at the end of the line for nothing.
    return line.toString().stripTrailing();
  }

  static String truncate(String text, int width) {
    if (text.length() <= width) {
      return text;
    }
    return text.substring(0, Math.max(0, width - ELLIPSIS.length())) + ELLIPSIS;
  }

  private static String cell(List<String> row, int c) {
    String text = c < row.size() ? row.get(c) : null;
    // Control characters would break the table's lines; a cell is one line.
    return text == null ? "" : text.replaceAll("[\\r\\n\\t]", " ");
  }

  private static int sum(int[] values) {
    int total = 0;
    for (int v : values) {
      total += v;
    }
    return total;
  }
}
