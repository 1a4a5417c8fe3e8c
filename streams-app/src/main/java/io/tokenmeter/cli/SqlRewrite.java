package io.tokenmeter.cli;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A query with {@code now()} and {@code CURRENT_TIMESTAMP} replaced by a timestamp literal, remembering where every character of
 * the result came from, so that an error Calcite reports in the rewritten text points at the
 * user's own line and column.
 */
final class SqlRewrite {

  /**
   * {@code now()} as people write it, which Calcite does not know, and CURRENT_TIMESTAMP, which it
   * would read at another instant than the range fetched and truncate to the second.
   */
  private static final Pattern NOW =
      Pattern.compile("(?i)\\bnow\\s*\\(\\s*\\)|\\bcurrent_timestamp\\b(\\s*\\(\\s*\\d*\\s*\\))?");

  final String original;
  final String rewritten;
  /** For each offset in {@link #rewritten} (and one past its end), the offset in the original. */
  private final int[] originalOffset;

  private SqlRewrite(String original, String rewritten, int[] originalOffset) {
    this.original = original;
    this.rewritten = rewritten;
    this.originalOffset = originalOffset;
  }

  /**
   * Replaces each {@code now()} and {@code CURRENT_TIMESTAMP} by {@code nowLiteral}: one instant for the whole query, so the
   * range fetched from the API and the query's own WHERE agree to the millisecond.
   */
  static SqlRewrite of(String sql, String nowLiteral) {
    StringBuilder out = new StringBuilder();
    int[] map = new int[sql.length() * 2 + nowLiteral.length() * 8 + 1];
    Matcher m = NOW.matcher(sql);
    int from = 0;
    while (m.find()) {
      map = copy(sql, from, m.start(), out, map);
      map = ensure(map, out.length() + nowLiteral.length() + 1);
      for (int i = 0; i < nowLiteral.length(); i++) {
        map[out.length() + i] = m.start();
      }
      out.append(nowLiteral);
      from = m.end();
    }
    map = copy(sql, from, sql.length(), out, map);
    map = ensure(map, out.length() + 1);
    map[out.length()] = sql.length();
    int[] exact = new int[out.length() + 1];
    System.arraycopy(map, 0, exact, 0, exact.length);
    return new SqlRewrite(sql, out.toString(), exact);
  }

  private static int[] copy(String sql, int from, int to, StringBuilder out, int[] map) {
    map = ensure(map, out.length() + (to - from) + 1);
    for (int i = from; i < to; i++) {
      map[out.length()] = i;
      out.append(sql.charAt(i));
    }
    return map;
  }

  private static int[] ensure(int[] map, int size) {
    if (map.length >= size) {
      return map;
    }
    int[] bigger = new int[Math.max(size, map.length * 2)];
    System.arraycopy(map, 0, bigger, 0, map.length);
    return bigger;
  }

  /** A 1-based line and column of the rewritten text, as the same position in the original. */
  Position toOriginal(int line, int column) {
    int offset = offsetOf(rewritten, line, column);
    int original = originalOffset[Math.max(0, Math.min(offset, originalOffset.length - 1))];
    return positionOf(this.original, original);
  }

  record Position(int line, int column) {}

  private static int offsetOf(String text, int line, int column) {
    int offset = 0;
    for (int l = 1; l < line && offset < text.length(); offset++) {
      if (text.charAt(offset) == '\n') {
        l++;
      }
    }
    return Math.min(text.length(), offset + Math.max(0, column - 1));
  }

  private static Position positionOf(String text, int offset) {
    int line = 1;
    int lineStart = 0;
    for (int i = 0; i < offset && i < text.length(); i++) {
      if (text.charAt(i) == '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    return new Position(line, offset - lineStart + 1);
  }
}
