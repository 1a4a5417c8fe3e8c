package io.tokenmeter.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** How top, tail and query print: a table fitting the terminal, or JSON lines for scripts. */
final class OutputOptions {

  enum Format {
    TABLE,
    JSON
  }

  static final int DEFAULT_WIDTH = 120;

  @Option(
      names = "--format",
      defaultValue = "table",
      paramLabel = "table|json",
      converter = FormatConverter.class,
      description = "table (default) or json: one JSON object per line, for scripts.")
  Format format;

  @Option(
      names = "--width",
      paramLabel = "COLUMNS",
      description =
          "Width of the table in characters. Default: $COLUMNS, else " + DEFAULT_WIDTH + ".")
  Integer width;

  boolean json() {
    return format == Format.JSON;
  }

  /** --width, else the terminal's $COLUMNS (shells export it when asked), else 120. */
  int width(CommandSpec spec) {
    if (width != null) {
      if (width < 20) {
        throw new ParameterException(
            spec.commandLine(), "--width must be at least 20, was " + width);
      }
      return width;
    }
    String columns = System.getenv("COLUMNS");
    if (columns != null) {
      try {
        int fromEnv = Integer.parseInt(columns.trim());
        if (fromEnv >= 20) {
          return fromEnv;
        }
      } catch (NumberFormatException e) {
        // Not a number: the terminal told us nothing, so fall back like an unset $COLUMNS.
      }
    }
    return DEFAULT_WIDTH;
  }

  static final class FormatConverter implements picocli.CommandLine.ITypeConverter<Format> {
    @Override
    public Format convert(String value) {
      switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "table":
          return Format.TABLE;
        case "json":
          return Format.JSON;
        default:
          throw new picocli.CommandLine.TypeConversionException(
              "'" + value + "' is not a format; expected table or json");
      }
    }
  }
}
