package io.tokenmeter.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Turns the text of one setting into a typed value, or says what was expected. Each parser's
 * message completes the sentence "Invalid value 'x' for key (source): ...".
 */
final class ValueParsers {

  /** A value that does not parse; the message says what would. */
  static final class InvalidValue extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidValue(String message) {
      super(message, null, false, false);
    }
  }

  @FunctionalInterface
  interface Parser<T> {
    T parse(String raw) throws InvalidValue;
  }

  private static final Pattern SIMPLE_DURATION =
      Pattern.compile("(\\d{1,18})\\s*(ms|s|m|h|d)", Pattern.CASE_INSENSITIVE);
  private static final Pattern INTEGER = Pattern.compile("[-+]?\\d{1,19}");
  private static final Pattern DECIMAL =
      Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");
  private static final Pattern SIZE =
      Pattern.compile("(\\d{1,19})\\s*(b|kib|mib|gib)?", Pattern.CASE_INSENSITIVE);
  private static final Pattern HOST_PORT =
      Pattern.compile("(?:[A-Za-z_]+://)?(\\[[0-9A-Fa-f:.%a-z]+\\]|[A-Za-z0-9._-]+):(\\d{1,5})");
  private static final Pattern HOST =
      Pattern.compile("\\[[0-9A-Fa-f:.%a-z]+\\]|[0-9A-Fa-f:]+:[0-9A-Fa-f:.]*|[A-Za-z0-9._-]+");
  /** Kafka's own rule for topic names (and so for the application id, which prefixes topics). */
  private static final Pattern KAFKA_NAME = Pattern.compile("[A-Za-z0-9._-]{1,249}");

  private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-fA-F]{32}");

  static final String DURATION_EXAMPLES = "such as 500ms, 90s, 2m, 1h, 7d or ISO-8601 PT2M";

  private ValueParsers() {}

  static Parser<String> nonBlank(String what) {
    return raw -> {
      String value = raw.trim();
      if (value.isEmpty()) {
        throw new InvalidValue("expected " + what + ", not an empty value");
      }
      return value;
    };
  }

  static Parser<Duration> duration(Duration min) {
    String bound = min.isZero()
        ? " >= 0"
        : min.toSeconds() >= 60 && min.toSecondsPart() == 0 && min.toMillisPart() == 0
            ? " >= " + min.toMinutes() + "m"
            : " > 0";
    String expected = "expected a duration" + bound + ", " + DURATION_EXAMPLES;
    return raw -> {
      String value = raw.trim();
      Duration duration;
      Matcher m = SIMPLE_DURATION.matcher(value);
      try {
        if (m.matches()) {
          long amount = Long.parseLong(m.group(1));
          duration = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
          };
        } else if (value.regionMatches(true, 0, "P", 0, 1)
            || value.regionMatches(true, 0, "-P", 0, 2)) {
          duration = Duration.parse(value);
        } else {
          throw new InvalidValue(
              expected + (INTEGER.matcher(value).matches() ? " (a bare number has no unit)" : ""));
        }
        duration.toMillis(); // Kafka takes milliseconds; reject what does not fit
      } catch (DateTimeParseException | ArithmeticException e) {
        throw new InvalidValue(expected);
      }
      if (duration.compareTo(min) < 0) {
        throw new InvalidValue(expected);
      }
      return duration;
    };
  }

  static Parser<Integer> integer(int min, int max) {
    String expected = max == Integer.MAX_VALUE
        ? "expected an integer >= " + min
        : "expected an integer from " + min + " to " + max;
    return raw -> Math.toIntExact(parseLong(raw, min, max, expected));
  }

  static Parser<Long> longAtLeast(long min) {
    String expected = "expected an integer >= " + min;
    return raw -> parseLong(raw, min, Long.MAX_VALUE, expected);
  }

  private static long parseLong(String raw, long min, long max, String expected)
      throws InvalidValue {
    String value = raw.trim();
    if (!INTEGER.matcher(value).matches()) {
      throw new InvalidValue(expected);
    }
    try {
      long parsed = Long.parseLong(value);
      if (parsed < min || parsed > max) {
        throw new InvalidValue(expected);
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw new InvalidValue(expected);
    }
  }

  /** A fraction in (0, 1]; {@code 80%} is accepted as 0.8. */
  static Parser<Double> fraction() {
    String expected = "expected a fraction in (0, 1], such as 0.8 or 80%";
    return raw -> {
      double value = decimal(raw, expected);
      if (!(value > 0.0 && value <= 1.0)) {
        throw new InvalidValue(expected);
      }
      return value;
    };
  }

  static Parser<Double> numberAtLeast(double min) {
    String expected = "expected a number >= " + min;
    return raw -> {
      double value = decimal(raw, expected);
      if (!(value >= min) || Double.isInfinite(value)) {
        throw new InvalidValue(expected);
      }
      return value;
    };
  }

  private static double decimal(String raw, String expected) throws InvalidValue {
    String value = raw.trim();
    boolean percent = value.endsWith("%");
    if (percent) {
      value = value.substring(0, value.length() - 1).trim();
    }
    if (!DECIMAL.matcher(value).matches()) {
      throw new InvalidValue(expected);
    }
    double parsed = Double.parseDouble(value);
    return percent ? parsed / 100.0 : parsed;
  }

  /** Only the words true and false: "yes", "1" or "on" are more likely a mistake than a choice. */
  static Parser<Boolean> bool() {
    return raw -> switch (raw.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new InvalidValue("expected true or false");
    };
  }

  static Parser<KafkaSettings.ProcessingGuarantee> processingGuarantee() {
    String allowed = Arrays.stream(KafkaSettings.ProcessingGuarantee.values())
        .map(KafkaSettings.ProcessingGuarantee::streamsValue)
        .collect(Collectors.joining(", "));
    return raw -> {
      String value = raw.trim();
      for (KafkaSettings.ProcessingGuarantee g : KafkaSettings.ProcessingGuarantee.values()) {
        if (g.streamsValue().equalsIgnoreCase(value)) {
          return g;
        }
      }
      throw new InvalidValue("expected one of " + allowed + " (case-insensitive)");
    };
  }

  /** Bytes, or a binary multiple: 16MiB. */
  static Parser<Long> size() {
    String expected = "expected a size in bytes >= 0, such as 16777216, 512KiB, 16MiB or 1GiB";
    return raw -> {
      Matcher m = SIZE.matcher(raw.trim());
      if (!m.matches()) {
        throw new InvalidValue(expected);
      }
      int shift = m.group(2) == null
          ? 0
          : switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "kib" -> 10;
            case "mib" -> 20;
            case "gib" -> 30;
            default -> 0;
          };
      try {
        return Math.multiplyExact(Long.parseLong(m.group(1)), 1L << shift);
      } catch (ArithmeticException | NumberFormatException e) {
        throw new InvalidValue(expected);
      }
    };
  }

  static Parser<String> bootstrapServers() {
    String expected =
        "expected a comma-separated list of host:port with ports 1 to 65535, such as 127.0.0.1:9092,broker-2:9092";
    return raw -> {
      List<String> servers = new ArrayList<>();
      for (String part : raw.split(",", -1)) {
        String server = part.trim();
        Matcher m = HOST_PORT.matcher(server);
        if (!m.matches()) {
          throw new InvalidValue(
              expected + ("".equals(server) ? "" : "; '" + server + "' is not host:port"));
        }
        int port = Integer.parseInt(m.group(2));
        if (port < 1 || port > 65535) {
          throw new InvalidValue(
              expected + "; port " + port + " of '" + server + "' is out of range");
        }
        servers.add(server);
      }
      return String.join(",", servers);
    };
  }

  static Parser<String> kafkaName(String what) {
    String expected = "expected " + what
        + " of 1 to 249 characters from a-z, A-Z, 0-9, '.', '_' and '-' (Kafka's rule for topic names)";
    return raw -> {
      String value = raw.trim();
      if (!KAFKA_NAME.matcher(value).matches() || value.equals(".") || value.equals("..")) {
        throw new InvalidValue(expected);
      }
      return value;
    };
  }

  static Parser<String> host() {
    return raw -> {
      String value = raw.trim();
      if (!HOST.matcher(value).matches()) {
        throw new InvalidValue(
            "expected a host name or IP address, such as 127.0.0.1, 0.0.0.0 or tokenmeter-1.internal");
      }
      return value;
    };
  }

  static Parser<Optional<String>> optionalHttpUrl() {
    String expected =
        "expected an http:// or https:// URL, such as http://localhost:8081, or empty for none";
    return raw -> {
      String value = raw.trim();
      if (value.isEmpty()) {
        return Optional.empty();
      }
      try {
        URI uri = new URI(value);
        String scheme = uri.getScheme();
        if (scheme == null
            || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
            || uri.getHost() == null) {
          throw new InvalidValue(expected);
        }
      } catch (URISyntaxException e) {
        throw new InvalidValue(expected);
      }
      return Optional.of(value);
    };
  }

  /** An http:// or https:// URL with a host. */
  static Parser<URI> httpUrl() {
    String expected =
        "expected an http:// or https:// URL, such as https://alerts.example.com/hook";
    return raw -> {
      String value = raw.trim();
      try {
        URI uri = new URI(value);
        String scheme = uri.getScheme();
        if (scheme == null
            || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
            || uri.getHost() == null) {
          throw new InvalidValue(expected);
        }
        return uri;
      } catch (URISyntaxException e) {
        throw new InvalidValue(expected);
      }
    };
  }

  /** Empty for none, or an http(s) URL. */
  static Parser<Optional<URI>> optionalHttpUri() {
    Parser<URI> url = httpUrl();
    return raw -> raw.trim().isEmpty() ? Optional.empty() : Optional.of(url.parse(raw));
  }

  /** Any text; empty becomes empty. Used for secrets, so the message never repeats the value. */
  static Parser<Optional<String>> optionalText() {
    return raw -> raw.trim().isEmpty() ? Optional.empty() : Optional.of(raw.trim());
  }

  /** Comma-separated, trimmed, empty entries dropped, order kept. */
  static Parser<Set<String>> list() {
    return raw -> {
      Set<String> result = new LinkedHashSet<>();
      for (String part : raw.split(",")) {
        if (!part.trim().isEmpty()) {
          result.add(part.trim());
        }
      }
      return result;
    };
  }

  /** Comma-separated alert severities, lower-cased: the set an {@code Alert.severity} can hold. */
  static Parser<Set<String>> severities() {
    List<String> allowed = List.of("critical", "error", "warning", "info");
    return raw -> {
      Set<String> result = new LinkedHashSet<>();
      for (String part : raw.split(",")) {
        String severity = part.trim().toLowerCase(Locale.ROOT);
        if (severity.isEmpty()) {
          continue;
        }
        if (!allowed.contains(severity)) {
          throw new InvalidValue("expected a comma-separated list of " + String.join(", ", allowed)
              + "; '" + part.trim() + "' is not a severity");
        }
        result.add(severity);
      }
      return result;
    };
  }

  /** One of {@code choices}, any case; returned lower-cased. */
  static Parser<String> oneOf(List<String> choices) {
    return raw -> {
      String value = raw.trim().toLowerCase(Locale.ROOT);
      if (!choices.contains(value)) {
        throw new InvalidValue(
            "expected one of " + String.join(", ", choices) + " (case-insensitive)");
      }
      return value;
    };
  }

  /** A directory, or a path where one can be created: Streams creates it at start. */
  static Parser<Path> directory() {
    return raw -> {
      Path path = path(raw, "a directory path");
      if (Files.exists(path) && !Files.isDirectory(path)) {
        throw new InvalidValue("expected a directory, but " + path + " is a file");
      }
      return path;
    };
  }

  /** Empty for none, or a file that exists and can be read now, not at the first price lookup. */
  static Parser<Optional<Path>> optionalReadableFile() {
    return raw -> {
      if (raw.trim().isEmpty()) {
        return Optional.empty();
      }
      Path path = path(raw, "a file path");
      if (!Files.isRegularFile(path)) {
        throw new InvalidValue("expected an existing file, or empty for none; "
            + path.toAbsolutePath() + " does not exist or is not a file");
      }
      if (!Files.isReadable(path)) {
        throw new InvalidValue(
            "expected a readable file; " + path.toAbsolutePath() + " cannot be read by this user");
      }
      return Optional.of(path);
    };
  }

  private static Path path(String raw, String what) throws InvalidValue {
    String value = raw.trim();
    if (value.isEmpty()) {
      throw new InvalidValue("expected " + what + ", not an empty value");
    }
    try {
      return Path.of(value);
    } catch (InvalidPathException e) {
      throw new InvalidValue("expected " + what + "; " + e.getReason());
    }
  }

  /** Comma-separated fingerprints, normalised to lower case as the producer SDK writes them. */
  static Parser<Set<String>> fingerprints() {
    return raw -> {
      Set<String> result = new LinkedHashSet<>();
      List<String> bad = new ArrayList<>();
      for (String part : raw.split(",")) {
        String fingerprint = part.trim();
        if (fingerprint.isEmpty()) {
          continue;
        }
        if (FINGERPRINT.matcher(fingerprint).matches()) {
          result.add(fingerprint.toLowerCase(Locale.ROOT));
        } else {
          bad.add("'" + fingerprint + "'" + " (" + fingerprint.length() + " characters)");
        }
      }
      if (!bad.isEmpty()) {
        throw new InvalidValue(
            "expected comma-separated API key fingerprints of exactly 32 hex characters each"
                + " (as the producer SDK writes them to api_key_fingerprint), or empty for no allow-list; not valid: "
                + String.join(", ", bad));
      }
      return result;
    };
  }
}
