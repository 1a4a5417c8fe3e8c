package io.tokenmeter.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * Reads {@code --where field=value}: repeatable, or comma-separated in one option, checked
 * against the fields the command knows so that a typo fails naming the field instead of
 * silently matching nothing.
 */
final class WhereFilter {

  private WhereFilter() {}

  static Map<String, String> parse(
      List<String> options, Set<String> validFields, CommandSpec spec) {
    Map<String, String> filters = new LinkedHashMap<>();
    if (options == null) {
      return filters;
    }
    for (String option : options) {
      for (String pair : option.split(",")) {
        if (pair.isBlank()) {
          continue;
        }
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          throw new ParameterException(
              spec.commandLine(), "--where: '" + pair.trim() + "' is not field=value");
        }
        String field = pair.substring(0, eq).trim();
        String value = pair.substring(eq + 1).trim();
        if (!validFields.contains(field)) {
          throw new ParameterException(
              spec.commandLine(),
              "--where: unknown field '" + field + "'; valid fields: "
                  + String.join(", ", validFields));
        }
        String earlier = filters.put(field, value);
        if (earlier != null && !earlier.equals(value)) {
          throw new ParameterException(
              spec.commandLine(),
              "--where: " + field + " given twice ('" + earlier + "' and '" + value
                  + "'); no record can match both");
        }
      }
    }
    return filters;
  }
}
