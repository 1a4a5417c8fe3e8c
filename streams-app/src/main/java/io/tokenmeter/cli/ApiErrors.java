package io.tokenmeter.cli;

import java.util.Map;

/** Names the CLI option behind an API parameter the app rejected, so the user knows what to change. */
final class ApiErrors {

  private static final Map<String, String> OPTION_OF = Map.of(
      "by",
      "--by",
      "group",
      "--group",
      "n",
      "--n",
      "last",
      "--last",
      "from",
      "window_start range",
      "to",
      "window_start range");

  private ApiErrors() {}

  /** "--last: " for parameter last, "--where org: " for org; empty when the app named none. */
  static String option(ApiClient.BadRequest e) {
    if (e.parameter == null) {
      return "";
    }
    if (TopCommand.FILTERS.contains(e.parameter)) {
      return "--where " + e.parameter + ": ";
    }
    return OPTION_OF.getOrDefault(e.parameter, e.parameter) + ": ";
  }
}
