package io.tokenmeter.config;

import static io.tokenmeter.config.ConfigKeys.*;

import io.tokenmeter.config.ValueParsers.InvalidValue;
import io.tokenmeter.config.ValueParsers.Parser;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Builds the {@link TokenmeterConfig} from, lowest to highest precedence: the built-in defaults, a
 * properties file, {@code TOKENMETER_*} environment variables, and explicit overrides such as
 * command-line flags.
 *
 * <pre>{@code
 * TokenmeterConfig config = ConfigLoader.create()
 *     .file(configFile)                  // Optional<Path>, from --config
 *     .env(System.getenv())
 *     .override("kafka.bootstrap.servers", bootstrapServer, "--bootstrap-server")  // null: not given
 *     .load();
 * }</pre>
 *
 * <p>{@link #load()} checks everything before it returns and throws one {@link ConfigException}
 * listing every problem. See {@code docs/configuration.md} for the keys.
 */
public final class ConfigLoader {

  private static final Pattern RATE_LIMIT_KEY =
      Pattern.compile(Pattern.quote(RATE_LIMIT_PREFIX) + "(\\d{1,9})\\.(.+)");
  private static final Pattern ROUTE_KEY =
      Pattern.compile(Pattern.quote(ROUTE_PREFIX) + "(\\d{1,9})\\.(.+)");
  /** A scope label as the detectors write them (org_id, model); dots stand for underscores, as in env names. */
  private static final Pattern SCOPE_LABEL = Pattern.compile("[A-Za-z][A-Za-z0-9_.]*");

  /** Streams settings with a key of their own; setting them through kafka.client.* would be ambiguous. */
  private static final Map<String, Key> FIRST_CLASS_STREAMS_KEYS = Map.of(
      StreamsConfig.BOOTSTRAP_SERVERS_CONFIG,
      BOOTSTRAP_SERVERS,
      StreamsConfig.APPLICATION_ID_CONFIG,
      APPLICATION_ID,
      StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
      PROCESSING_GUARANTEE,
      StreamsConfig.STATE_DIR_CONFIG,
      STATE_DIR,
      StreamsConfig.COMMIT_INTERVAL_MS_CONFIG,
      COMMIT_INTERVAL,
      StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG,
      CACHE_MAX_BYTES,
      "cache.max.bytes.buffering",
      CACHE_MAX_BYTES,
      StreamsConfig.NUM_STREAM_THREADS_CONFIG,
      NUM_STREAM_THREADS);

  /** A raw value and where it came from, for error messages. */
  record Setting(String value, String origin) {}

  private Optional<Path> file = Optional.empty();
  private Map<String, String> env = Map.of();
  private final Map<String, Setting> overrides = new LinkedHashMap<>();

  private ConfigLoader() {}

  /** A loader with only the defaults; add sources with the other methods. */
  public static ConfigLoader create() {
    return new ConfigLoader();
  }

  /** A properties file (UTF-8), usually from {@code --config}; empty for none. */
  public ConfigLoader file(Optional<Path> file) {
    this.file = Objects.requireNonNull(file, "file");
    return this;
  }

  public ConfigLoader file(Path file) {
    return file(Optional.of(file));
  }

  /**
   * The process environment, usually {@code System.getenv()}. Only {@code TOKENMETER_<NAMESPACE>_*}
   * variables are read, where the namespace is one of kafka, topics, rollup, alerts, pricing,
   * http, router and connect; others such as {@code TOKENMETER_JAVA_OPTS} are ignored.
   */
  public ConfigLoader env(Map<String, String> env) {
    this.env = Map.copyOf(env);
    return this;
  }

  /** Sets {@code key} above every other source. A null value is ignored (an option not given). */
  public ConfigLoader override(String key, String value) {
    return override(key, value, null);
  }

  /**
   * Sets {@code key} above every other source, and names {@code flag} in error messages. A null
   * value is ignored, so that unset command-line options can be passed straight through.
   */
  public ConfigLoader override(String key, String value, String flag) {
    Objects.requireNonNull(key, "key");
    if (value != null) {
      overrides.put(
          currentName(key),
          new Setting(value, flag == null ? "override of " + key : "flag " + flag));
    }
    return this;
  }

  /** All overrides at once; keys are configuration keys. */
  public ConfigLoader overrides(Map<String, String> overrides) {
    overrides.forEach(this::override);
    return this;
  }

  /**
   * The checked configuration.
   *
   * @throws ConfigException with every problem found: unknown keys, bad values, contradictions
   */
  public TokenmeterConfig load() {
    List<String> problems = new ArrayList<>();
    Map<String, Setting> settings = new TreeMap<>();
    for (Key key : all()) {
      settings.put(key.name(), new Setting(key.defaultValue(), "default"));
    }
    file.ifPresent(path -> settings.putAll(readFile(path, problems)));
    Map<String, String> fromEnv = new TreeMap<>();
    new TreeMap<>(env).forEach((name, value) -> {
      String key = keyForEnv(name);
      if (key != null) {
        String current = currentName(key);
        String other = fromEnv.put(current, name);
        if (other != null) {
          problems.add(current + " is set twice in the environment (" + other + " and " + name
              + ", one of them its former name); keep " + envName(current));
        }
        settings.put(current, new Setting(value, "environment variable " + name));
      }
    });
    settings.putAll(overrides);

    settings.forEach((key, setting) -> checkKnown(key, setting, problems));
    TokenmeterConfig config = new Builder(settings, problems).build();
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return config;
  }

  /**
   * Reads the file line by line so that each key keeps its line number; each logical line (with
   * its continuation lines) goes through {@link Properties#load} for the standard escapes.
   */
  private static Map<String, Setting> readFile(Path path, List<String> problems) {
    List<String> lines;
    try {
      lines = Files.readAllLines(path, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      problems.add(
          "configuration file " + path.toAbsolutePath() + " does not exist; check --config");
      return Map.of();
    } catch (CharacterCodingException e) {
      problems.add("configuration file " + path + " is not valid UTF-8; save it as UTF-8");
      return Map.of();
    } catch (IOException e) {
      problems.add("cannot read configuration file " + path + ": " + e);
      return Map.of();
    }
    Map<String, Setting> settings = new LinkedHashMap<>();
    Map<String, Integer> firstLine = new LinkedHashMap<>();
    int i = 0;
    while (i < lines.size()) {
      int lineNumber = i + 1;
      StringBuilder logical = new StringBuilder(lines.get(i));
      String stripped = lines.get(i).stripLeading();
      boolean comment = stripped.startsWith("#") || stripped.startsWith("!");
      while (!comment && endsWithContinuation(lines.get(i)) && i + 1 < lines.size()) {
        i++;
        logical.append('\n').append(lines.get(i));
      }
      i++;
      if (comment || stripped.isEmpty()) {
        continue;
      }
      Properties one = new Properties();
      try {
        one.load(new StringReader(logical.toString()));
      } catch (IllegalArgumentException | IOException e) {
        problems.add("configuration file " + path + ":" + lineNumber + " cannot be parsed: "
            + e.getMessage());
        continue;
      }
      for (String key : one.stringPropertyNames()) {
        String current = currentName(key);
        Integer earlier = firstLine.putIfAbsent(current, lineNumber);
        if (earlier != null) {
          problems.add(current + " is set twice in " + path + " (lines " + earlier + " and "
              + lineNumber + (current.equals(key) ? "" : ", " + key + " is its former name")
              + "); keep one");
        }
        settings.put(current, new Setting(one.getProperty(key), "file " + path + ":" + lineNumber));
      }
    }
    return settings;
  }

  private static boolean endsWithContinuation(String line) {
    int backslashes = 0;
    for (int j = line.length() - 1; j >= 0 && line.charAt(j) == '\\'; j--) {
      backslashes++;
    }
    return backslashes % 2 == 1;
  }

  private static void checkKnown(String key, Setting setting, List<String> problems) {
    if (byName(key) != null) {
      return;
    }
    if (key.startsWith(CLIENT_PREFIX) && key.length() > CLIENT_PREFIX.length()) {
      return;
    }
    Matcher rateLimit = RATE_LIMIT_KEY.matcher(key);
    if (rateLimit.matches() && RATE_LIMIT_FIELDS.contains(rateLimit.group(2))) {
      return;
    }
    if (isRouteKey(key)) {
      return;
    }
    StringBuilder problem = new StringBuilder("unknown configuration key '")
        .append(key)
        .append("' (")
        .append(setting.origin())
        .append(')');
    String suggestion = Suggestions.closestKey(key);
    if (suggestion != null) {
      problem.append("; did you mean '").append(suggestion).append('\'');
      if (setting.origin().startsWith("environment variable")) {
        problem.append(" (").append(envName(suggestion)).append(')');
      }
      problem.append('?');
    } else {
      problem.append("; see docs/configuration.md for the keys");
    }
    problems.add(problem.toString());
  }

  private static boolean isRouteKey(String key) {
    Matcher route = ROUTE_KEY.matcher(key);
    if (!route.matches()) {
      return false;
    }
    String field = route.group(2);
    return ROUTE_FIELDS.contains(field)
        || (field.startsWith(ROUTE_SCOPE)
            && SCOPE_LABEL.matcher(field.substring(ROUTE_SCOPE.length())).matches());
  }

  /** Reads each section; a bad value is reported and replaced by its default so that checking goes on. */
  private static final class Builder {
    private final Map<String, Setting> settings;
    private final List<String> problems;
    private final Set<String> invalid = new HashSet<>();

    Builder(Map<String, Setting> settings, List<String> problems) {
      this.settings = settings;
      this.problems = problems;
    }

    TokenmeterConfig build() {
      KafkaSettings kafka = kafka();
      TokenmeterConfig config = new TokenmeterConfig(
          kafka, topics(), rollup(), alerts(), pricing(), http(), router(), connect(), query());
      checkAcrossKeys(config);
      return config;
    }

    private KafkaSettings kafka() {
      Map<String, String> clientOverrides = new TreeMap<>();
      settings.forEach((key, setting) -> {
        if (!key.startsWith(CLIENT_PREFIX) || key.length() == CLIENT_PREFIX.length()) {
          return;
        }
        String clientKey = key.substring(CLIENT_PREFIX.length());
        Key ours = FIRST_CLASS_STREAMS_KEYS.get(clientKey);
        String kafkaName = Suggestions.closestKafkaSetting(clientKey);
        if (ours != null) {
          problems.add(key + " (" + setting.origin() + ") would contradict " + ours.name()
              + "; set " + ours.name() + " (" + ours.envName() + ") instead");
        } else if (kafkaName != null) {
          problems.add("unknown Kafka setting '" + clientKey + "' in " + key + " ("
              + setting.origin() + "); did you mean '" + CLIENT_PREFIX + kafkaName + "'?");
        } else {
          clientOverrides.put(clientKey, setting.value());
        }
      });
      KafkaSettings kafka = new KafkaSettings(
          get(BOOTSTRAP_SERVERS, ValueParsers.bootstrapServers()),
          get(APPLICATION_ID, ValueParsers.kafkaName("an application id")),
          get(PROCESSING_GUARANTEE, ValueParsers.processingGuarantee()),
          get(STATE_DIR, ValueParsers.directory()),
          get(COMMIT_INTERVAL, ValueParsers.duration(Duration.ZERO)),
          get(CACHE_MAX_BYTES, ValueParsers.size()),
          get(NUM_STREAM_THREADS, ValueParsers.integer(1, Integer.MAX_VALUE)),
          get(ABORT_HANGING_TRANSACTIONS_AFTER, ValueParsers.duration(Duration.ZERO)),
          get(SCHEMA_REGISTRY_URL, ValueParsers.optionalHttpUrl()),
          clientOverrides);
      checkWithKafka(kafka);
      return kafka;
    }

    /** Kafka's own validators catch a misspelt enum in a pass-through setting now, not at first connect. */
    private void checkWithKafka(KafkaSettings kafka) {
      if (kafka.clientOverrides().isEmpty()) {
        return;
      }
      try {
        StreamsConfig.configDef().parse(kafka.streamsProperties());
      } catch (org.apache.kafka.common.config.ConfigException e) {
        String culprit = kafka.clientOverrides().keySet().stream()
            .filter(k -> e.getMessage() != null && e.getMessage().contains(k))
            .max((a, b) -> Integer.compare(a.length(), b.length()))
            .orElse(null);
        if (culprit == null) {
          problems.add("Kafka rejected the kafka.client.* settings: " + e.getMessage());
        } else {
          Setting setting = settings.get(CLIENT_PREFIX + culprit);
          String detail =
              isSecret(culprit) ? "the value is hidden because it is a secret" : e.getMessage();
          problems.add("Invalid value for " + CLIENT_PREFIX + culprit + " (" + setting.origin()
              + "): Kafka rejected it: " + detail);
        }
      }
    }

    private TopicSettings topics() {
      Parser<String> topic = ValueParsers.kafkaName("a topic name");
      return new TopicSettings(
          get(TOPIC_CALLS, topic),
          get(TOPIC_ROLLUPS, topic),
          get(TOPIC_ALERTS, topic),
          get(TOPIC_DEAD_LETTER, topic),
          get(TOPIC_PARTITIONS, ValueParsers.integer(1, Integer.MAX_VALUE)),
          get(TOPIC_REPLICATION_FACTOR, ValueParsers.integer(1, Short.MAX_VALUE))
              .shortValue(),
          get(TOPIC_CALLS_RETENTION, ValueParsers.duration(Duration.ofMillis(1))),
          get(TOPIC_OUTPUT_RETENTION, ValueParsers.duration(Duration.ofMillis(1))));
    }

    private RollupSettings rollup() {
      Duration grace = get(ROLLUP_GRACE, ValueParsers.duration(Duration.ZERO));
      Duration futureTolerance = get(ROLLUP_FUTURE_TOLERANCE, ValueParsers.duration(Duration.ZERO));
      if (isDefault(ROLLUP_FUTURE_TOLERANCE) && futureTolerance.compareTo(grace) > 0) {
        // A grace shorter than the default tolerance was valid before the tolerance existed: such
        // a configuration keeps starting, with the tolerance cut to the grace.
        futureTolerance = grace;
      }
      return new RollupSettings(
          grace,
          get(ROLLUP_DEDUP_HORIZON, ValueParsers.duration(Duration.ofMillis(1))),
          get(ROLLUP_CLOSE_CHECK, ValueParsers.duration(Duration.ofMillis(1))),
          get(ROLLUP_MAX_DISTINCT, ValueParsers.integer(1, Integer.MAX_VALUE)),
          futureTolerance,
          get(ROLLUP_MAX_PER_TENANT, ValueParsers.integer(1, Integer.MAX_VALUE)),
          get(ROLLUP_EXPIRE_AFTER, ValueParsers.duration(Duration.ofMinutes(1))));
    }

    private AlertSettings alerts() {
      AlertSettings.ErrorRate errorRate = new AlertSettings.ErrorRate(
          get(ERROR_MIN_REQUESTS, ValueParsers.integer(1, Integer.MAX_VALUE)),
          get(ERROR_SPIKE_FACTOR, ValueParsers.numberAtLeast(1.0)),
          get(ERROR_MIN_RATE, ValueParsers.fraction()),
          get(ERROR_BASELINE_ALPHA, ValueParsers.fraction()));
      return new AlertSettings(
          get(ALERT_WARNING, ValueParsers.fraction()),
          get(ALERT_CRITICAL, ValueParsers.fraction()),
          get(ALERT_CALM_WINDOWS, ValueParsers.integer(1, Integer.MAX_VALUE)),
          rateLimits(),
          errorRate,
          get(KEY_ALLOW_LIST, ValueParsers.fingerprints()));
    }

    /** {@code alerts.rate.limit.<n>.*}, ordered by n. */
    private List<AlertSettings.RateLimit> rateLimits() {
      Map<Integer, Map<String, String>> byIndex = new TreeMap<>();
      settings.keySet().forEach(key -> {
        Matcher m = RATE_LIMIT_KEY.matcher(key);
        if (m.matches() && RATE_LIMIT_FIELDS.contains(m.group(2))) {
          byIndex
              .computeIfAbsent(Integer.parseInt(m.group(1)), n -> new TreeMap<>())
              .put(m.group(2), key);
        }
      });
      List<AlertSettings.RateLimit> limits = new ArrayList<>();
      Map<List<String>, Integer> scopes = new LinkedHashMap<>();
      byIndex.forEach((index, keys) -> {
        String prefix = RATE_LIMIT_PREFIX + index + ".";
        String anyKey = keys.values().iterator().next();
        String org = optionalText(keys.get(RATE_LIMIT_ORG));
        String project = optionalText(keys.get(RATE_LIMIT_PROJECT));
        String model = optionalText(keys.get(RATE_LIMIT_MODEL));
        Long requests = keys.containsKey(RATE_LIMIT_REQUESTS)
            ? parse(keys.get(RATE_LIMIT_REQUESTS), ValueParsers.longAtLeast(1), null)
            : null;
        Long tokens = keys.containsKey(RATE_LIMIT_TOKENS)
            ? parse(keys.get(RATE_LIMIT_TOKENS), ValueParsers.longAtLeast(1), null)
            : null;
        String where = " (" + settings.get(anyKey).origin() + ")";
        if (org == null) {
          problems.add(prefix + RATE_LIMIT_ORG + " is required because " + anyKey + " is set"
              + where + "; name the org the limit applies to (project and model are optional)");
        }
        if (!keys.containsKey(RATE_LIMIT_REQUESTS) && !keys.containsKey(RATE_LIMIT_TOKENS)) {
          problems.add("rate limit " + index + " has no limit" + where + "; set " + prefix
              + RATE_LIMIT_REQUESTS + " or " + prefix + RATE_LIMIT_TOKENS + " (or both)");
        }
        if (org == null || (requests == null && tokens == null)) {
          return;
        }
        Integer earlier = scopes.putIfAbsent(Arrays.asList(org, project, model), index);
        if (earlier != null) {
          problems.add("rate limits " + earlier + " and " + index + " both apply to org '" + org
              + "', project '" + (project == null ? "*" : project) + "', model '"
              + (model == null ? "*" : model) + "'; keep one");
          return;
        }
        limits.add(new AlertSettings.RateLimit(org, project, model, requests, tokens));
      });
      return limits;
    }

    private String optionalText(String key) {
      if (key == null) {
        return null;
      }
      String value = settings.get(key).value().trim();
      return value.isEmpty() ? null : value;
    }

    private PricingSettings pricing() {
      return new PricingSettings(get(PRICING_FILE, ValueParsers.optionalReadableFile()));
    }

    private HttpSettings http() {
      return new HttpSettings(
          get(HTTP_ENABLED, ValueParsers.bool()),
          get(HTTP_HOST, ValueParsers.host()),
          get(HTTP_PORT, ValueParsers.integer(0, 65535)),
          get(HTTP_ADVERTISED_URL, ValueParsers.optionalHttpUrl()),
          get(HTTP_AUTH_TOKEN, ValueParsers.optionalText()));
    }

    private QuerySettings query() {
      return new QuerySettings(get(QUERY_RETENTION, ValueParsers.duration(Duration.ofMillis(1))));
    }

    private RouterSettings router() {
      Optional<String> routingKey = get(ROUTER_PAGERDUTY_ROUTING_KEY, ValueParsers.optionalText());
      java.net.URI pagerDutyUrl = get(ROUTER_PAGERDUTY_URL, ValueParsers.httpUrl());
      String source =
          get(ROUTER_PAGERDUTY_SOURCE, ValueParsers.nonBlank("the source PagerDuty shows"));
      Optional<java.net.URI> webhookUrl = get(ROUTER_WEBHOOK_URL, ValueParsers.optionalHttpUri());
      Optional<String> authorization =
          get(ROUTER_WEBHOOK_AUTHORIZATION, ValueParsers.optionalText());
      return new RouterSettings(
          get(ROUTER_ENABLED, ValueParsers.bool()),
          get(ROUTER_GROUP_ID, ValueParsers.kafkaName("a consumer group id")),
          get(ROUTER_DEAD_LETTER, ValueParsers.kafkaName("a topic name")),
          routingKey.map(key -> new RouterSettings.PagerDuty(pagerDutyUrl, key, source)),
          webhookUrl.map(url -> new RouterSettings.Webhook(url, authorization)),
          new RouterSettings.Retry(
              get(ROUTER_INITIAL_BACKOFF, ValueParsers.duration(Duration.ofMillis(1))),
              get(ROUTER_MAX_BACKOFF, ValueParsers.duration(Duration.ofMillis(1)))),
          get(ROUTER_REQUEST_TIMEOUT, ValueParsers.duration(Duration.ofMillis(1))),
          routes());
    }

    /** {@code router.route.<n>.*}, ordered by n. */
    private List<RouterSettings.Route> routes() {
      Map<Integer, Map<String, String>> byIndex = new TreeMap<>();
      settings.keySet().forEach(key -> {
        Matcher m = ROUTE_KEY.matcher(key);
        if (m.matches() && isRouteKey(key)) {
          byIndex
              .computeIfAbsent(Integer.parseInt(m.group(1)), n -> new TreeMap<>())
              .put(m.group(2), key);
        }
      });
      List<RouterSettings.Route> routes = new ArrayList<>();
      byIndex.forEach((index, keys) -> {
        String prefix = ROUTE_PREFIX + index + ".";
        String anyKey = keys.values().iterator().next();
        String receiver = keys.containsKey(ROUTE_RECEIVER)
            ? parse(
                keys.get(ROUTE_RECEIVER),
                ValueParsers.oneOf(List.of(RouterSettings.PAGERDUTY, RouterSettings.WEBHOOK)),
                null)
            : null;
        if (!keys.containsKey(ROUTE_RECEIVER)) {
          problems.add(prefix + ROUTE_RECEIVER + " is required because " + anyKey + " is set ("
              + settings.get(anyKey).origin() + "); name the receiver, " + RouterSettings.PAGERDUTY
              + " or "
              + RouterSettings.WEBHOOK);
        }
        Set<String> severities = keys.containsKey(ROUTE_SEVERITIES)
            ? parse(keys.get(ROUTE_SEVERITIES), ValueParsers.severities(), Set.of())
            : Set.of();
        Set<String> alertTypes = keys.containsKey(ROUTE_ALERT_TYPES)
            ? parse(keys.get(ROUTE_ALERT_TYPES), ValueParsers.list(), Set.of())
            : Set.of();
        boolean continueMatching = keys.containsKey(ROUTE_CONTINUE)
            && parse(keys.get(ROUTE_CONTINUE), ValueParsers.bool(), false);
        Map<String, String> scope = new TreeMap<>();
        keys.forEach((field, key) -> {
          if (field.startsWith(ROUTE_SCOPE)) {
            String label = field.substring(ROUTE_SCOPE.length()).replace('.', '_');
            scope.put(
                label,
                parse(key, ValueParsers.nonBlank("the value the scope label must have"), ""));
          }
        });
        if (receiver != null) {
          routes.add(
              new RouterSettings.Route(receiver, severities, alertTypes, scope, continueMatching));
          String missing = receiver.equals(RouterSettings.PAGERDUTY)
              ? (settings.get(ROUTER_PAGERDUTY_ROUTING_KEY.name()).value().isBlank()
                  ? ROUTER_PAGERDUTY_ROUTING_KEY.name()
                  : null)
              : (settings.get(ROUTER_WEBHOOK_URL.name()).value().isBlank()
                  ? ROUTER_WEBHOOK_URL.name()
                  : null);
          if (missing != null) {
            problems.add(prefix + ROUTE_RECEIVER + " = '" + receiver + "' ("
                + settings.get(keys.get(ROUTE_RECEIVER)).origin() + ") needs " + missing + " ("
                + envName(missing) + "), which is not set");
          }
        }
      });
      return routes;
    }

    private ConnectSettings connect() {
      Parser<String> topic = ValueParsers.kafkaName("a topic name");
      return new ConnectSettings(
          get(CONNECT_JSON_ENABLED, ValueParsers.bool()),
          get(TOPIC_ROLLUPS_CONNECT, topic),
          get(TOPIC_ALERTS_CONNECT, topic));
    }

    /** Rules that involve two keys; skipped when either key was already reported. */
    private void checkAcrossKeys(TokenmeterConfig config) {
      AlertSettings alerts = config.alerts();
      if (valid(ALERT_WARNING, ALERT_CRITICAL)
          && !(alerts.warningFraction() < alerts.criticalFraction())) {
        problems.add(describe(ALERT_WARNING) + " must be below " + describe(ALERT_CRITICAL)
            + "; lower the warning or raise the critical threshold");
      }
      RollupSettings rollup = config.rollup();
      if (valid(ROLLUP_DEDUP_HORIZON, ROLLUP_GRACE)
          && rollup.dedupHorizon().compareTo(rollup.grace()) < 0) {
        problems.add(describe(ROLLUP_DEDUP_HORIZON) + " must be at least " + describe(ROLLUP_GRACE)
            + ", or a duplicate that arrives within the grace period is counted twice");
      }
      if (valid(ROLLUP_FUTURE_TOLERANCE, ROLLUP_GRACE)
          && rollup.futureTolerance().compareTo(rollup.grace()) > 0) {
        problems.add(
            describe(ROLLUP_FUTURE_TOLERANCE) + " must be at most " + describe(ROLLUP_GRACE)
                + ", or one event from a host with a fast clock can close the minute the wall clock is in and make"
                + " on-time events of every tenant of its partition late; lower the tolerance or raise the grace");
      }
      TopicSettings topics = config.topics();
      Map<String, Key> seen = new LinkedHashMap<>();
      ConnectSettings connect = config.connect();
      for (Key key : List.of(
          TOPIC_CALLS,
          TOPIC_ROLLUPS,
          TOPIC_ALERTS,
          TOPIC_DEAD_LETTER,
          ROUTER_DEAD_LETTER,
          TOPIC_ROLLUPS_CONNECT,
          TOPIC_ALERTS_CONNECT)) {
        String name = switch (key.name()) {
          case "topics.calls" -> topics.calls();
          case "topics.rollups" -> topics.rollups();
          case "topics.alerts" -> topics.alerts();
          case "topics.rollups.connect" -> connect.rollupsTopic();
          case "topics.alerts.connect" -> connect.alertsTopic();
          case "topics.calls.dead.letter" -> topics.deadLetter();
          default -> config.router().deadLetterTopic();
        };
        Key other = seen.putIfAbsent(name, key);
        if (other != null && valid(key, other)) {
          problems.add(describe(other) + " and " + describe(key)
              + " name the same topic; each needs its own");
        }
      }
      checkRouter(config.router());
    }

    private void checkRouter(RouterSettings router) {
      if (valid(ROUTER_INITIAL_BACKOFF, ROUTER_MAX_BACKOFF)
          && router.retry().maxBackoff().compareTo(router.retry().initialBackoff()) < 0) {
        problems.add(
            describe(ROUTER_MAX_BACKOFF) + " must be at least " + describe(ROUTER_INITIAL_BACKOFF));
      }
      if (valid(ROUTER_ENABLED, ROUTER_PAGERDUTY_ROUTING_KEY, ROUTER_WEBHOOK_URL)
          && router.enabled()
          && router.receivers().isEmpty()) {
        problems.add(describe(ROUTER_ENABLED) + " but no receiver is configured; set "
            + ROUTER_PAGERDUTY_ROUTING_KEY.name() + " (" + ROUTER_PAGERDUTY_ROUTING_KEY.envName()
            + ") or "
            + ROUTER_WEBHOOK_URL.name() + " (" + ROUTER_WEBHOOK_URL.envName() + ")");
      }
    }

    private boolean isDefault(Key key) {
      return "default".equals(settings.get(key.name()).origin());
    }

    private boolean valid(Key... keys) {
      for (Key key : keys) {
        if (invalid.contains(key.name())) {
          return false;
        }
      }
      return true;
    }

    private String describe(Key key) {
      Setting setting = settings.get(key.name());
      String value = isSecret(key.name()) ? REDACTED : setting.value().trim();
      return key.name() + " = '" + value + "' (" + setting.origin() + ")";
    }

    private <T> T get(Key key, Parser<T> parser) {
      T fallback;
      try {
        fallback = parser.parse(key.defaultValue());
      } catch (InvalidValue e) {
        throw new IllegalStateException(
            "default of " + key.name() + " does not parse: " + e.getMessage(), e);
      }
      return parse(key.name(), parser, fallback);
    }

    private <T> T parse(String key, Parser<T> parser, T fallback) {
      Setting setting = settings.get(key);
      try {
        return parser.parse(setting.value());
      } catch (InvalidValue e) {
        invalid.add(key);
        String value = isSecret(key)
            ? "(hidden, it is a secret)"
            : "'" + ConfigDescription.redactUserInfo(setting.value()) + "'";
        problems.add("invalid value " + value + " for " + key + " (" + setting.origin() + "): "
            + e.getMessage());
        return fallback;
      }
    }
  }
}
