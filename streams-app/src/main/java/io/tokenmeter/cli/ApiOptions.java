package io.tokenmeter.cli;

import picocli.CommandLine.Option;

/** Where the running app's query API is; shared by top and query. */
final class ApiOptions {

  static final String DEFAULT_URL = "http://127.0.0.1:8080";

  @Option(
      names = "--url",
      defaultValue = DEFAULT_URL,
      paramLabel = "URL",
      description =
          "The running Tokenmeter app (tokenmeter run) to ask (default: ${DEFAULT-VALUE}).")
  String url;
}
