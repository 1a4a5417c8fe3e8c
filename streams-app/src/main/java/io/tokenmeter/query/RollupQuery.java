package io.tokenmeter.query;

import io.tokenmeter.schemas.UsageRollup;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The range and filters every rollup query has, parsed and checked: {@code last} or {@code
 * from}/{@code to}, and equality filters on the dimensions. A bad value throws {@link
 * BadParameterException} naming the parameter.
 *
 * @param from inclusive, epoch millis
 * @param to exclusive, epoch millis
 */
record RollupQuery(long from, long to, Map<Dimension, String> filters) {

  static final Set<String> COMMON =
      Set.of("last", "from", "to", "org", "project", "model", "key", "service");
  static final Duration DEFAULT_LAST = Duration.ofHours(1);
  private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)");

  RollupQuery {
    filters = Collections.unmodifiableMap(
        new EnumMap<>(filters.isEmpty() ? new EnumMap<>(Dimension.class) : filters));
  }

  boolean matches(UsageRollup r) {
    long start = r.getWindowStart().toEpochMilli();
    if (start < from || start >= to) {
      return false;
    }
    for (Map.Entry<Dimension, String> f : filters.entrySet()) {
      if (!f.getKey().of(r).equals(f.getValue())) {
        return false;
      }
    }
    return true;
  }

  /** {@code org/project}, the calls topic's key, when the query names both; else null. */
  String orgProjectKey() {
    String org = filters.get(Dimension.ORG);
    String project = filters.get(Dimension.PROJECT);
    return org != null && project != null ? org + "/" + project : null;
  }

  /** The parameters as a query string, for asking another instance the same question. */
  String toQueryString() {
    StringBuilder sb = new StringBuilder("from=").append(from).append("&to=").append(to);
    filters.forEach((d, v) -> sb.append('&')
        .append(d.parameter)
        .append('=')
        .append(java.net.URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return sb.toString();
  }

  /**
   * Parses {@code params}, refusing names outside {@link #COMMON} and {@code extra}, and ranges
   * that start before {@code now - retention}.
   */
  static RollupQuery parse(
      Map<String, String> params, Set<String> extra, long now, Duration retention) {
    for (String name : params.keySet()) {
      if (!COMMON.contains(name) && !extra.contains(name)) {
        Set<String> known = new TreeSet<>(COMMON);
        known.addAll(extra);
        throw new BadParameterException(
            name, "unknown parameter '" + name + "'; known: " + String.join(", ", known));
      }
    }
    String last = params.get("last");
    String fromText = params.get("from");
    String toText = params.get("to");
    long from;
    long to;
    if (last != null) {
      if (fromText != null || toText != null) {
        throw new BadParameterException("last", "give either last or from/to, not both");
      }
      to = now;
      from = now - duration("last", last).toMillis();
    } else {
      to = toText == null ? now : instant("to", toText);
      from = fromText == null ? to - DEFAULT_LAST.toMillis() : instant("from", fromText);
    }
    if (from >= to) {
      throw new BadParameterException(
          fromText != null ? "from" : "to", "from must be before to (to is exclusive)");
    }
    if (from < now - retention.toMillis()) {
      throw new BadParameterException(
          last != null ? "last" : "from",
          "the range starts before the live state's query.retention (" + retention
              + "); query PostgreSQL for older rollups (see docs/postgres-sink.md)");
    }
    Map<Dimension, String> filters = new EnumMap<>(Dimension.class);
    for (Dimension d : Dimension.values()) {
      String v = params.get(d.parameter);
      if (v != null) {
        if (v.isEmpty()) {
          throw new BadParameterException(d.parameter, d.parameter + " must not be empty");
        }
        filters.put(d, v);
      }
    }
    return new RollupQuery(from, to, filters);
  }

  static Duration duration(String parameter, String text) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      throw new BadParameterException(
          parameter, "expected a duration such as 15m, 2h or 1d, got '" + text + "'");
    }
    long n = Long.parseLong(m.group(1));
    Duration d = switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
    if (d.isZero()) {
      throw new BadParameterException(parameter, parameter + " must be > 0");
    }
    return d;
  }

  static long instant(String parameter, String text) {
    String t = text.trim();
    if (t.matches("-?\\d{1,19}")) {
      try {
        return Long.parseLong(t);
      } catch (NumberFormatException e) {
        // falls through to the error below
      }
    } else {
      try {
        return Instant.parse(t).toEpochMilli();
      } catch (DateTimeParseException e) {
        // falls through to the error below
      }
    }
    throw new BadParameterException(
        parameter,
        "expected an ISO-8601 instant (2026-11-27T10:00:00Z) or epoch millis, got '" + text + "'");
  }

  /** Decodes a raw query string; a repeated parameter is refused. */
  static Map<String, String> parameters(String rawQuery) {
    Map<String, String> params = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return params;
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name =
          URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value =
          eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      if (params.putIfAbsent(name, value) != null) {
        throw new BadParameterException(name, "parameter '" + name + "' given more than once");
      }
    }
    return params;
  }
}
