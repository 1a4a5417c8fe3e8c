package io.tokenmeter.cost;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the tab-separated price table described in docs/cost.md. Any mistake stops the parse with
 * a {@link PriceTableException} naming the origin, line and column, because a wrong price is worse
 * than an app that refuses to start.
 */
public final class PriceTableParser {

  static final List<String> COLUMNS = List.of(
      "provider",
      "model",
      "effective_from",
      "input_usd_per_1m",
      "cache_read_input_usd_per_1m",
      "cache_creation_input_usd_per_1m",
      "output_usd_per_1m",
      "source",
      "taken_on");

  private static final Pattern VERSION = Pattern.compile("#\\s*version:(.*)");
  // Plain decimals only: an exponent or a sign in a price is more likely a typo than intent.
  private static final Pattern PRICE = Pattern.compile("\\d+(\\.\\d+)?");

  private PriceTableParser() {}

  /**
   * @param origin how errors name the table, for example {@code pricing.file /etc/prices.tsv}
   * @param lines the file's lines, in order
   */
  public static PriceTable parse(String origin, List<String> lines) {
    String version = null;
    boolean headerSeen = false;
    List<ModelPrice> rows = new ArrayList<>();
    Map<String, Integer> lineOfRow = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      int lineNo = i + 1;
      String line = stripCarriageReturn(lines.get(i));
      if (line.isBlank()) {
        continue;
      }
      if (line.stripLeading().startsWith("#")) {
        Matcher m = VERSION.matcher(line.strip());
        if (m.matches()) {
          if (version != null) {
            throw error(origin, lineNo, 1, "a second '# version:' line; the table has one version");
          }
          String value = m.group(1).strip();
          if (value.isEmpty() || value.chars().anyMatch(Character::isWhitespace)) {
            throw error(
                origin,
                lineNo,
                1,
                "'# version:' needs one word, like 2026-11-27; found '" + value + "'");
          }
          version = value;
        }
        continue;
      }
      String[] cells = line.split("\t", -1);
      if (!headerSeen) {
        checkHeader(origin, lineNo, cells);
        headerSeen = true;
        continue;
      }
      ModelPrice row = parseRow(origin, lineNo, cells);
      String key = row.provider() + '\t' + row.model() + '\t' + row.effectiveFrom();
      Integer earlier = lineOfRow.putIfAbsent(key, lineNo);
      if (earlier != null) {
        throw error(
            origin,
            lineNo,
            3,
            "duplicate of line " + earlier + ": one row per provider, model and effective_from");
      }
      rows.add(row);
    }
    if (version == null) {
      throw new PriceTableException(origin + ": no '# version: ...' line");
    }
    if (rows.isEmpty()) {
      throw new PriceTableException(origin + ": no price rows after the header");
    }
    return new PriceTable(version, rows);
  }

  private static void checkHeader(String origin, int lineNo, String[] cells) {
    for (int c = 0; c < Math.max(cells.length, COLUMNS.size()); c++) {
      String found = c < cells.length ? cells[c].strip() : "";
      String expected = c < COLUMNS.size() ? COLUMNS.get(c) : "";
      if (!found.equals(expected)) {
        throw error(
            origin,
            lineNo,
            c + 1,
            "header expected '" + expected + "' but found '" + found + "'; the header is: "
                + String.join("<TAB>", COLUMNS));
      }
    }
  }

  private static ModelPrice parseRow(String origin, int lineNo, String[] cells) {
    if (cells.length < COLUMNS.size()) {
      throw error(
          origin,
          lineNo,
          cells.length + 1,
          "missing column '" + COLUMNS.get(cells.length) + "': expected " + COLUMNS.size()
              + " tab-separated columns, found " + cells.length);
    }
    if (cells.length > COLUMNS.size()) {
      throw error(
          origin,
          lineNo,
          COLUMNS.size() + 1,
          "extra column: expected " + COLUMNS.size() + " tab-separated columns, found "
              + cells.length);
    }
    return new ModelPrice(
        ModelFamily.normalise(required(origin, lineNo, cells, 0)),
        ModelFamily.normalise(required(origin, lineNo, cells, 1)),
        date(origin, lineNo, cells, 2),
        price(origin, lineNo, cells, 3),
        price(origin, lineNo, cells, 4),
        price(origin, lineNo, cells, 5),
        price(origin, lineNo, cells, 6),
        required(origin, lineNo, cells, 7),
        date(origin, lineNo, cells, 8));
  }

  private static String required(String origin, int lineNo, String[] cells, int c) {
    String value = cells[c].strip();
    if (value.isEmpty()) {
      throw error(origin, lineNo, c + 1, COLUMNS.get(c) + " is empty; it is required");
    }
    return value;
  }

  private static LocalDate date(String origin, int lineNo, String[] cells, int c) {
    String value = required(origin, lineNo, cells, c);
    try {
      return LocalDate.parse(value);
    } catch (DateTimeParseException e) {
      throw error(
          origin, lineNo, c + 1, COLUMNS.get(c) + " '" + value + "' is not a date like 2026-11-27");
    }
  }

  /** Null for an empty cell: the source gives no price, which is not a price of 0. */
  private static BigDecimal price(String origin, int lineNo, String[] cells, int c) {
    String value = cells[c].strip();
    if (value.isEmpty()) {
      return null;
    }
    if (!PRICE.matcher(value).matches()) {
      throw error(
          origin,
          lineNo,
          c + 1,
          COLUMNS.get(c) + " '" + value + "' is not a plain decimal number of USD like 2.50");
    }
    return new BigDecimal(value);
  }

  private static String stripCarriageReturn(String line) {
    return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
  }

  private static PriceTableException error(String origin, int line, int column, String what) {
    return new PriceTableException(origin + " line " + line + ", column " + column + ": " + what);
  }
}
