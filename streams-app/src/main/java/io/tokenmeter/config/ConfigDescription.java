package io.tokenmeter.config;

import static io.tokenmeter.config.ConfigKeys.*;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Writes a {@link TokenmeterConfig} back as keys and values, in the syntax the loader reads. */
final class ConfigDescription {

  private static final Pattern USER_INFO = Pattern.compile("(://)[^/@\\s]+@");

  private ConfigDescription() {}

  /** Every key of {@code config}, in declaration order, with secrets redacted when asked. */
  static Map<String, String> toProperties(TokenmeterConfig config, boolean redact) {
    Map<String, String> p = new LinkedHashMap<>();
    KafkaSettings kafka = config.kafka();
    p.put(BOOTSTRAP_SERVERS.name(), kafka.bootstrapServers());
    p.put(APPLICATION_ID.name(), kafka.applicationId());
    p.put(PROCESSING_GUARANTEE.name(), kafka.processingGuarantee().streamsValue());
    p.put(STATE_DIR.name(), kafka.stateDir().toString());
    p.put(COMMIT_INTERVAL.name(), duration(kafka.commitInterval()));
    p.put(CACHE_MAX_BYTES.name(), size(kafka.cacheMaxBytes()));
    p.put(NUM_STREAM_THREADS.name(), Integer.toString(kafka.numStreamThreads()));
    p.put(
        SCHEMA_REGISTRY_URL.name(),
        kafka.schemaRegistryUrl().map(url -> redact ? redactUserInfo(url) : url).orElse(""));
    Map<String, String> clients =
        redact ? redact(kafka.clientOverrides()) : kafka.clientOverrides();
    clients.forEach((key, value) -> p.put(CLIENT_PREFIX + key, value));

    TopicSettings topics = config.topics();
    p.put(TOPIC_CALLS.name(), topics.calls());
    p.put(TOPIC_ROLLUPS.name(), topics.rollups());
    p.put(TOPIC_ALERTS.name(), topics.alerts());
    p.put(TOPIC_DEAD_LETTER.name(), topics.deadLetter());
    p.put(TOPIC_PARTITIONS.name(), Integer.toString(topics.partitions()));
    p.put(TOPIC_REPLICATION_FACTOR.name(), Short.toString(topics.replicationFactor()));
    p.put(TOPIC_CALLS_RETENTION.name(), duration(topics.callsRetention()));
    p.put(TOPIC_OUTPUT_RETENTION.name(), duration(topics.outputRetention()));

    RollupSettings rollup = config.rollup();
    p.put(ROLLUP_GRACE.name(), duration(rollup.grace()));
    p.put(ROLLUP_FUTURE_TOLERANCE.name(), duration(rollup.futureTolerance()));
    p.put(ROLLUP_DEDUP_HORIZON.name(), duration(rollup.dedupHorizon()));
    p.put(ROLLUP_CLOSE_CHECK.name(), duration(rollup.closeCheckInterval()));
    p.put(ROLLUP_MAX_DISTINCT.name(), Integer.toString(rollup.maxDistinctValuesPerDimension()));
    p.put(ROLLUP_MAX_PER_TENANT.name(), Integer.toString(rollup.maxDistinctValuesPerTenant()));
    p.put(ROLLUP_EXPIRE_AFTER.name(), duration(rollup.distinctValuesExpireAfter()));

    AlertSettings alerts = config.alerts();
    p.put(ALERT_WARNING.name(), Double.toString(alerts.warningFraction()));
    p.put(ALERT_CRITICAL.name(), Double.toString(alerts.criticalFraction()));
    p.put(ALERT_CALM_WINDOWS.name(), Integer.toString(alerts.calmWindowsToResolve()));
    List<AlertSettings.RateLimit> limits = alerts.rateLimits();
    for (int i = 0; i < limits.size(); i++) {
      AlertSettings.RateLimit limit = limits.get(i);
      String prefix = RATE_LIMIT_PREFIX + (i + 1) + ".";
      p.put(prefix + RATE_LIMIT_ORG, limit.orgId());
      putIfNotNull(p, prefix + RATE_LIMIT_PROJECT, limit.projectId());
      putIfNotNull(p, prefix + RATE_LIMIT_MODEL, limit.model());
      putIfNotNull(p, prefix + RATE_LIMIT_REQUESTS, limit.requestsPerMinute());
      putIfNotNull(p, prefix + RATE_LIMIT_TOKENS, limit.tokensPerMinute());
    }
    AlertSettings.ErrorRate errorRate = alerts.errorRate();
    p.put(ERROR_MIN_REQUESTS.name(), Integer.toString(errorRate.minRequests()));
    p.put(ERROR_SPIKE_FACTOR.name(), Double.toString(errorRate.spikeFactor()));
    p.put(ERROR_MIN_RATE.name(), Double.toString(errorRate.minRate()));
    p.put(ERROR_BASELINE_ALPHA.name(), Double.toString(errorRate.baselineAlpha()));
    p.put(KEY_ALLOW_LIST.name(), String.join(",", new TreeSet<>(alerts.keyAllowList())));

    p.put(
        PRICING_FILE.name(), config.pricing().overrideFile().map(Path::toString).orElse(""));

    HttpSettings http = config.http();
    p.put(HTTP_ENABLED.name(), Boolean.toString(http.enabled()));
    p.put(HTTP_HOST.name(), http.host());
    p.put(HTTP_PORT.name(), Integer.toString(http.port()));
    p.put(HTTP_ADVERTISED_URL.name(), http.advertisedUrl().orElse(""));
    p.put(
        HTTP_AUTH_TOKEN.name(), http.authToken().map(t -> redact ? REDACTED : t).orElse(""));
    p.put(QUERY_RETENTION.name(), duration(config.query().retention()));

    RouterSettings router = config.router();
    p.put(ROUTER_ENABLED.name(), Boolean.toString(router.enabled()));
    p.put(ROUTER_GROUP_ID.name(), router.groupId());
    p.put(ROUTER_DEAD_LETTER.name(), router.deadLetterTopic());
    p.put(
        ROUTER_PAGERDUTY_URL.name(),
        router
            .pagerDuty()
            .map(pd -> pd.url().toString())
            .orElse(ROUTER_PAGERDUTY_URL.defaultValue()));
    p.put(
        ROUTER_PAGERDUTY_ROUTING_KEY.name(),
        router.pagerDuty().map(pd -> redact ? REDACTED : pd.routingKey()).orElse(""));
    p.put(
        ROUTER_PAGERDUTY_SOURCE.name(),
        router
            .pagerDuty()
            .map(RouterSettings.PagerDuty::source)
            .orElse(ROUTER_PAGERDUTY_SOURCE.defaultValue()));
    p.put(
        ROUTER_WEBHOOK_URL.name(),
        router
            .webhook()
            .map(w -> redact ? redactWebhookUrl(w.url()) : w.url().toString())
            .orElse(""));
    p.put(
        ROUTER_WEBHOOK_AUTHORIZATION.name(),
        router
            .webhook()
            .flatMap(RouterSettings.Webhook::authorization)
            .map(a -> redact ? REDACTED : a)
            .orElse(""));
    p.put(ROUTER_INITIAL_BACKOFF.name(), duration(router.retry().initialBackoff()));
    p.put(ROUTER_MAX_BACKOFF.name(), duration(router.retry().maxBackoff()));
    p.put(ROUTER_REQUEST_TIMEOUT.name(), duration(router.requestTimeout()));
    List<RouterSettings.Route> routes = router.routes();
    for (int i = 0; i < routes.size(); i++) {
      RouterSettings.Route route = routes.get(i);
      String prefix = ROUTE_PREFIX + (i + 1) + ".";
      p.put(prefix + ROUTE_RECEIVER, route.receiver());
      if (!route.severities().isEmpty()) {
        p.put(prefix + ROUTE_SEVERITIES, String.join(",", new TreeSet<>(route.severities())));
      }
      if (!route.alertTypes().isEmpty()) {
        p.put(prefix + ROUTE_ALERT_TYPES, String.join(",", new TreeSet<>(route.alertTypes())));
      }
      route.scope().forEach((label, value) -> p.put(prefix + ROUTE_SCOPE + label, value));
      if (route.continueMatching()) {
        p.put(prefix + ROUTE_CONTINUE, "true");
      }
    }

    ConnectSettings connect = config.connect();
    p.put(CONNECT_JSON_ENABLED.name(), Boolean.toString(connect.jsonEnabled()));
    p.put(TOPIC_ROLLUPS_CONNECT.name(), connect.rollupsTopic());
    p.put(TOPIC_ALERTS_CONNECT.name(), connect.alertsTopic());
    return p;
  }

  private static void putIfNotNull(Map<String, String> p, String key, Object value) {
    if (value != null) {
      p.put(key, value.toString());
    }
  }

  /** A copy with the values of secret keys replaced by {@code [redacted]}. */
  static Map<String, String> redact(Map<String, String> settings) {
    Map<String, String> redacted = new TreeMap<>();
    settings.forEach((key, value) -> redacted.put(key, isSecret(key) ? REDACTED : value));
    return redacted;
  }

  /** {@code https://user:pass@registry:8081} becomes {@code https://[redacted]@registry:8081}. */
  static String redactUserInfo(String text) {
    return USER_INFO.matcher(text).replaceAll("$1" + Matcher.quoteReplacement(REDACTED) + "@");
  }

  /**
   * Only the scheme, host and port of a webhook URL: many receivers (Slack-style hooks, signed
   * URLs) carry their secret in the path or query, and user info is a secret too.
   */
  static String redactWebhookUrl(java.net.URI url) {
    String base =
        url.getScheme() + "://" + url.getHost() + (url.getPort() == -1 ? "" : ":" + url.getPort());
    String path = url.getRawPath() == null ? "" : url.getRawPath();
    boolean hidden = !(path.isEmpty() || path.equals("/")) || url.getRawQuery() != null;
    return hidden ? base + "/" + REDACTED : base + path;
  }

  /** The shortest exact form: 2m, not PT2M or 120000ms. */
  static String duration(Duration d) {
    if (d.getNano() % 1_000_000 != 0) {
      return d.toString();
    }
    long ms = d.toMillis();
    if (ms == 0) {
      return "0s";
    }
    long[] factors = {86_400_000L, 3_600_000L, 60_000L, 1_000L};
    String[] units = {"d", "h", "m", "s"};
    for (int i = 0; i < factors.length; i++) {
      if (ms % factors[i] == 0) {
        return (ms / factors[i]) + units[i];
      }
    }
    return ms + "ms";
  }

  static String size(long bytes) {
    String[] units = {"GiB", "MiB", "KiB"};
    int[] shifts = {30, 20, 10};
    for (int i = 0; i < units.length; i++) {
      long unit = 1L << shifts[i];
      if (bytes != 0 && bytes % unit == 0) {
        return (bytes / unit) + units[i];
      }
    }
    return Long.toString(bytes);
  }
}
