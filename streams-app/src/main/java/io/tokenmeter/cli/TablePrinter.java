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

  /**
   * A column: its header, whether its cells are numbers, the width it wants when streaming, and
   * whether its cells are never cut: numbers and times, since a cut one reads as another value.
   */
  record Column(String header, boolean numeric, int preferredWidth, boolean keepWhole) {
    Column(String header, boolean numeric, int preferredWidth) {
      this(header, numeric, preferredWidth, numeric);
    }

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
    int[] floor = new int[natural.length];
    for (int c = 0; c < floor.length; c++) {
      floor[c] = columns.get(c).keepWhole() ? natural[c] : Math.min(natural[c], MIN_COLUMN_WIDTH);
    }
    int[] widths = fit(natural, floor, width);
    out.println(line(headers(), widths));
    for (List<String> row : rows) {
      out.println(line(row, widths));
    }
    out.flush();
  }

  /**
   * For rows that arrive one by one: widths are fixed up front from the columns' preferred widths,
   * since later rows are not known yet. Columns are taken to be in order of importance: cells are
   * cut down to their header's width, and if that is still too wide the last columns are left out
   * rather than print headers nobody can read.
   */
  Streaming streaming(PrintWriter out) {
    int[] preferred = columns.stream()
        .mapToInt(c -> Math.max(c.preferredWidth(), c.header().length()))
        .toArray();
    int shown = preferred.length;
    while (shown > 1 && minimumWidth(shown) > width) {
      shown--;
    }
    int[] widths = java.util.Arrays.copyOf(preferred, shown);
    int[] floor = new int[shown];
    for (int c = 0; c < shown; c++) {
      floor[c] = streamingFloor(c);
    }
    return new Streaming(fit(widths, floor, width), out);
  }

  private int streamingFloor(int c) {
    Column column = columns.get(c);
    int header = Math.max(MIN_COLUMN_WIDTH, column.header().length());
    return column.keepWhole() ? Math.max(header, column.preferredWidth()) : header;
  }

  private int minimumWidth(int shown) {
    int total = GAP.length() * (shown - 1);
    for (int c = 0; c < shown; c++) {
      total += streamingFloor(c);
    }
    return total;
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
    int[] floor = new int[natural.length];
    java.util.Arrays.fill(floor, MIN_COLUMN_WIDTH);
    return fit(natural, floor, width);
  }

  private static int[] fit(int[] natural, int[] floor, int width) {
    int[] widths = natural.clone();
    int budget = width - GAP.length() * (widths.length - 1);
    while (sum(widths) > budget) {
      int widest = -1;
      for (int c = 0; c < widths.length; c++) {
        if (widths[c] > floor[c] && (widest < 0 || widths[c] > widths[widest])) {
          widest = c;
        }
      }
      if (widest < 0) {
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
      String text = columns.get(c).keepWhole() ? cell(row, c) : truncate(cell(row, c), widths[c]);
      // A number wider than its column overflows the line rather than be cut.
      String pad = " ".repeat(Math.max(0, widths[c] - text.length()));
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
