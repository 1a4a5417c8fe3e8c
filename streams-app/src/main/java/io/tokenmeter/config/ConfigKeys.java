package io.tokenmeter.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Every configuration key, declared once: name, default, type and meaning. The loader, {@link
 * TokenmeterConfig#describe()}, the sample {@code tokenmeter.properties} and {@code
 * docs/configuration.md} all follow this list (a test keeps the last two in step).
 */
final class ConfigKeys {

  /** Environment variables start with this; the rest is the key upper-cased, dots to underscores. */
  static final String ENV_PREFIX = "TOKENMETER_";

  /** The first segment of every key we own. Anything else under these is a typo. */
  static final Set<String> NAMESPACES = Set.of(
      "kafka", "topics", "rollup", "alerts", "pricing", "http", "router", "connect", "query");

  /** {@code kafka.client.<name>} passes {@code <name>} through to the Kafka clients and Streams. */
  static final String CLIENT_PREFIX = "kafka.client.";

  /** {@code alerts.rate.limit.<n>.<field>}: one configured limit per index n. */
  static final String RATE_LIMIT_PREFIX = "alerts.rate.limit.";

  static final String RATE_LIMIT_ORG = "org";
  static final String RATE_LIMIT_PROJECT = "project";
  static final String RATE_LIMIT_MODEL = "model";
  static final String RATE_LIMIT_REQUESTS = "requests.per.minute";
  static final String RATE_LIMIT_TOKENS = "tokens.per.minute";
  static final List<String> RATE_LIMIT_FIELDS = List.of(
      RATE_LIMIT_ORG, RATE_LIMIT_PROJECT, RATE_LIMIT_MODEL, RATE_LIMIT_REQUESTS, RATE_LIMIT_TOKENS);

  /** {@code router.route.<n>.<field>}: one routing rule per index n. */
  static final String ROUTE_PREFIX = "router.route.";

  static final String ROUTE_RECEIVER = "receiver";
  static final String ROUTE_SEVERITIES = "severities";
  static final String ROUTE_ALERT_TYPES = "alert.types";
  static final String ROUTE_CONTINUE = "continue";
  /** {@code router.route.<n>.scope.<label>}: the label is the variable part. */
  static final String ROUTE_SCOPE = "scope.";

  static final List<String> ROUTE_FIELDS =
      List.of(ROUTE_RECEIVER, ROUTE_SEVERITIES, ROUTE_ALERT_TYPES, ROUTE_CONTINUE);

  /**
   * Substrings of a key whose value must never be printed. Kafka names its secrets
   * {@code *.password}, {@code *.secret} and {@code sasl.jaas.config}; the PEM private key and the
   * registry's user:password pair are secrets too, and so are the router's PagerDuty routing key,
   * its webhook {@code Authorization} header and the HTTP endpoints' token.
   */
  private static final List<String> SECRET_MARKERS = List.of(
      "password",
      "secret",
      "sasl.jaas.config",
      "ssl.keystore.key",
      "basic.auth.user.info",
      "routing.key",
      "authorization",
      "auth.token");

  static final String REDACTED = "[redacted]";

  /**
   * One fixed key. {@code defaultValue} is in the syntax an operator would write; {@code
   * documentedDefault} is how the reference page shows it (they differ only where the default
   * depends on the machine). {@code type} and {@code doc} are Markdown for that page.
   */
  record Key(String name, String defaultValue, String documentedDefault, String type, String doc) {
    String envName() {
      return ConfigKeys.envName(name);
    }
  }

  private static final Map<String, Key> BY_NAME = new LinkedHashMap<>();

  /**
   * Keys renamed after release, by their former name: a former name keeps working from every
   * source (file, environment, flags), and the effective configuration prints the current one.
   * The dead-letter topics follow the {@code topics.<topic>.<variant>} pattern of
   * {@code topics.alerts.connect}.
   */
  private static final Map<String, String> FORMER_NAMES = Map.of(
      "topics.dead.letter", "topics.calls.dead.letter",
      "router.dead.letter.topic", "topics.alerts.dead.letter");

  static final Key BOOTSTRAP_SERVERS = key(
      "kafka.bootstrap.servers",
      "127.0.0.1:9092",
      "list of host:port (ports 1..65535; `[::1]:9092` for IPv6)",
      "Kafka brokers to connect to.");
  static final Key APPLICATION_ID = key(
      "kafka.application.id",
      "tokenmeter",
      "name (`[A-Za-z0-9._-]`, at most 249)",
      "Streams application id: the consumer group and the prefix of internal topics. Changing it starts the"
          + " app from scratch.");
  static final Key PROCESSING_GUARANTEE = key(
      "kafka.processing.guarantee",
      "exactly_once_v2",
      "`exactly_once_v2` or `at_least_once`",
      "Delivery mode. Exactly-once commits \"event seen\" (dedup) and \"event counted\" atomically.");
  static final Key STATE_DIR = key(
      "kafka.state.dir",
      Path.of(System.getProperty("user.home"), ".tokenmeter", "state").toString(),
      "`${user.home}/.tokenmeter/state`",
      "path to a directory",
      "Local state stores. Not the OS temp directory, which may be cleaned under a running app. Use a"
          + " persistent disk in production, or every restart rebuilds state from the changelogs.");
  static final Key COMMIT_INTERVAL = key(
      "kafka.commit.interval",
      "1s",
      "duration >= 0",
      "How often Streams commits (`commit.interval.ms`). Under exactly-once, output is visible to"
          + " `read_committed` consumers only after a commit, so this bounds rollup and alert latency; a longer"
          + " interval means fewer transactions and more throughput. 1 s favours latency while keeping"
          + " transactions few (Streams' own default is 100 ms under exactly-once, 30 s under at-least-once);"
          + " the benchmarks will tune it.");
  static final Key CACHE_MAX_BYTES = key(
      "kafka.cache.max.bytes",
      "16MiB",
      "size >= 0",
      "Streams record cache across all threads (`statestore.cache.max.bytes`).");
  static final Key NUM_STREAM_THREADS =
      key("kafka.num.stream.threads", "1", "integer >= 1", "Stream threads in this instance.");
  static final Key ABORT_HANGING_TRANSACTIONS_AFTER = key(
      "kafka.abort.hanging.transactions.after",
      "1m",
      "duration >= 0; `0s` turns it off",
      "Exactly-once only. How long a transaction of this app may stay open on one of its own topics (changelogs,"
          + " repartition and output topics) after its transaction coordinator has moved past it, before the app"
          + " aborts it. Such a hanging transaction holds back every `read_committed` reader of the partition,"
          + " including the app's own state restoration, for good. Only transactions of the app's own"
          + " transactional ids at an older producer epoch are aborted; see docs/streams-app.md.");
  static final Key SCHEMA_REGISTRY_URL = key(
      "kafka.schema.registry.url",
      "",
      "http(s) URL or empty",
      "Schema registry; empty uses Avro single-object encoding without a registry. User info in the URL is"
          + " redacted when printed.");

  static final Key TOPIC_CALLS =
      key("topics.calls", "llm.calls", "topic name", "Input: one `LlmCallEvent` per LLM call.");
  static final Key TOPIC_ROLLUPS = key(
      "topics.rollups",
      "llm.rollups.1m",
      "topic name",
      "Output: one final `UsageRollup` per closed minute and dimension set.");
  static final Key TOPIC_ALERTS = key(
      "topics.alerts",
      "llm.alerts",
      "topic name",
      "Output: alert state changes (FIRING/RESOLVED).");
  static final Key TOPIC_DEAD_LETTER = key(
      "topics.calls.dead.letter",
      "llm.calls.dlq",
      "topic name",
      "Output: input records that were not counted, with the reason. Formerly `topics.dead.letter`,"
          + " which still works.");
  static final Key TOPIC_PARTITIONS =
      key("topics.partitions", "6", "integer >= 1", "Partitions of topics the app creates.");
  static final Key TOPIC_REPLICATION_FACTOR = key(
      "topics.replication.factor",
      "1",
      "integer 1..32767",
      "Replication factor of topics the app creates (use 3 on a real cluster).");
  static final Key TOPIC_CALLS_RETENTION = key(
      "topics.calls.retention",
      "7d",
      "duration > 0",
      "`retention.ms` of the calls topic when the app creates it.");
  static final Key TOPIC_OUTPUT_RETENTION = key(
      "topics.output.retention",
      "30d",
      "duration > 0",
      "`retention.ms` of rollups, alerts and dead letters when the app creates them.");

  static final Key ROLLUP_GRACE = key(
      "rollup.grace",
      "2m",
      "duration >= 0",
      "How late an event may be and still count; later events go to the dead-letter topic with reason `late`.");
  static final Key ROLLUP_FUTURE_TOLERANCE = key(
      "rollup.future.tolerance",
      "10s",
      "duration >= 0, <= `rollup.grace`",
      "How far an event's time may lie ahead of the app's wall clock and still count; events further ahead go to"
          + " the dead-letter topic with reason `future` (more than 24 h ahead: `invalid`). At most the grace period,"
          + " so that an event from a host with a fast clock cannot close the minute the wall clock is in; left unset"
          + " with a shorter grace, it is cut to the grace.");
  static final Key ROLLUP_DEDUP_HORIZON = key(
      "rollup.dedup.horizon",
      "1h",
      "duration > 0, >= `rollup.grace`",
      "How long an `event_id` is remembered. Shorter than the grace period would count a late duplicate twice.");
  static final Key ROLLUP_CLOSE_CHECK = key(
      "rollup.close.check.interval",
      "1s",
      "duration > 0",
      "Wall-clock period at which closed windows are emitted, so windows close when traffic stops.");
  static final Key ROLLUP_MAX_DISTINCT = key(
      "rollup.max.distinct.values.per.dimension",
      "10000",
      "integer >= 1",
      "Cardinality guard for the tenant dimensions, per task: at most this many `org_id` values and this many "
          + "(`org_id`, `project_id`) tenants; beyond it the org or project folds into `__other__`.");
  static final Key ROLLUP_MAX_PER_TENANT = key(
      "rollup.max.distinct.values.per.tenant",
      "1000",
      "integer >= 1",
      "Cardinality guard per tenant (org/project): at most this many `model`, `api_key_fingerprint` and `service` "
          + "values each; beyond it the tenant's new values fold into `__other__`.");
  static final Key ROLLUP_EXPIRE_AFTER = key(
      "rollup.distinct.values.expire.after",
      "24h",
      "duration >= 1m",
      "A tracked value (org, tenant, model, key fingerprint, service) not seen for this long in event time frees "
          + "its slot in the cardinality guard, so that key rotation never fills it.");

  static final Key ALERT_WARNING = key(
      "alerts.rate.limit.warning",
      "0.80",
      "fraction (0, 1], < critical",
      "Share of a rate limit used in the current minute that raises a warning.");
  static final Key ALERT_CRITICAL = key(
      "alerts.rate.limit.critical",
      "0.95",
      "fraction (0, 1]",
      "Share of a rate limit used in the current minute that raises a critical alert.");
  static final Key ALERT_CALM_WINDOWS = key(
      "alerts.calm.windows",
      "2",
      "integer >= 1",
      "Minutes under the thresholds before an alert resolves.");
  static final Key ERROR_MIN_REQUESTS = key(
      "alerts.error.rate.min.requests",
      "20",
      "integer >= 1",
      "A window with fewer requests never fires an error-rate alert.");
  static final Key ERROR_SPIKE_FACTOR = key(
      "alerts.error.rate.spike.factor",
      "3.0",
      "number >= 1",
      "Fire when the window's error rate exceeds the baseline times this, and...");
  static final Key ERROR_MIN_RATE = key(
      "alerts.error.rate.min.rate", "0.05", "fraction (0, 1]", "...exceeds this absolute rate.");
  static final Key ERROR_BASELINE_ALPHA = key(
      "alerts.error.rate.baseline.alpha",
      "0.2",
      "fraction (0, 1]",
      "EWMA weight of the newest window in the baseline.");
  static final Key KEY_ALLOW_LIST = key(
      "alerts.key.allow.list",
      "",
      "list of fingerprints",
      "API key fingerprints (32 hex characters, as in `api_key_fingerprint`) allowed to call; empty means no"
          + " allow-list. Upper case is accepted and lower-cased.");

  static final Key PRICING_FILE = key(
      "pricing.file",
      "",
      "path to a readable file, or empty",
      "Price table that replaces the bundled one. Checked to exist at start.");

  static final Key HTTP_ENABLED = key(
      "http.enabled",
      "true",
      "boolean",
      "Serve HTTP: `GET /health` (200 while running, 503 otherwise; `run` and `router` alike), and in"
          + " `run` the query API (`/api/v1/*`) and the dashboard (`/`).");
  static final Key HTTP_HOST = key(
      "http.host",
      "127.0.0.1",
      "host name or IP",
      "Address the HTTP endpoints listen on; `0.0.0.0` to serve other hosts (as in a container).");
  static final Key HTTP_PORT = key(
      "http.port",
      "8080",
      "integer 0..65535",
      "Port of the HTTP endpoints; 0 picks a free port. Give `run` and `router` different ports"
          + " when they share a host.");
  static final Key HTTP_ADVERTISED_URL = key(
      "http.advertised.url",
      "",
      "http(s) URL or empty",
      "How the other instances of the app reach this one's HTTP endpoints (Kafka Streams"
          + " `application.server`), for queries across instances. Empty means `http://<http.host>:<bound port>`,"
          + " or the machine's host name in place of a wildcard `http.host` such as `0.0.0.0`; set it when that"
          + " name does not reach this instance (containers, NAT).");
  static final Key HTTP_AUTH_TOKEN = key(
      "http.auth.token",
      "",
      "secret text, or empty",
      "Token that every HTTP endpoint but `GET /health` then requires: `Authorization: Bearer <token>`, or HTTP"
          + " Basic with the token as password (any user name) so a browser can open the dashboard. The instances"
          + " send it to each other for queries across instances, so give them all the same. Empty leaves the"
          + " endpoints open to whoever reaches `http.host`. Never printed; prefer the environment variable. See"
          + " [Securing the HTTP endpoints](#securing-the-http-endpoints).");
  static final Key QUERY_RETENTION = key(
      "query.retention",
      "6h",
      "duration > 0",
      "How long final rollups stay queryable in the app's own state (store `query-rollups`); a query that"
          + " starts earlier is refused with a pointer to PostgreSQL. Costs disk and changelog: roughly one"
          + " rollup per minute and dimension set.");

  static final Key ROUTER_ENABLED = key(
      "router.enabled",
      "false",
      "boolean",
      "Run the alert router inside `tokenmeter run` as well. `tokenmeter router` runs it on its own whatever"
          + " this says. See [alert-router.md](alert-router.md).");
  static final Key ROUTER_GROUP_ID = key(
      "router.group.id",
      "tokenmeter-router",
      "name (`[A-Za-z0-9._-]`, at most 249)",
      "Consumer group of the router. Its committed offsets mark what the receivers accepted; a new group"
          + " starts from the earliest alert still in the topic.");
  static final Key ROUTER_DEAD_LETTER = key(
      "topics.alerts.dead.letter",
      "llm.alerts.dlq",
      "topic name",
      "The router's output: alerts a receiver refused (an HTTP 4xx other than 429), with the response in"
          + " headers, and alert records that do not decode. Formerly `router.dead.letter.topic`, which still works.");
  static final Key ROUTER_PAGERDUTY_URL = key(
      "router.pagerduty.url",
      "https://events.pagerduty.com/v2/enqueue",
      "http(s) URL",
      "PagerDuty Events API v2 endpoint (EU accounts: `https://events.eu.pagerduty.com/v2/enqueue`).");
  static final Key ROUTER_PAGERDUTY_ROUTING_KEY = key(
      "router.pagerduty.routing.key",
      "",
      "secret text, or empty",
      "Integration (routing) key of the PagerDuty service; empty means no PagerDuty receiver. Never"
          + " printed; prefer the environment variable.");
  static final Key ROUTER_PAGERDUTY_SOURCE = key(
      "router.pagerduty.source",
      "tokenmeter",
      "text",
      "`payload.source` of every PagerDuty event: where the alerts come from.");
  static final Key ROUTER_WEBHOOK_URL = key(
      "router.webhook.url",
      "",
      "http(s) URL or empty",
      "Webhook that receives the Alertmanager (version 4) payload; empty means no webhook receiver. Printed"
          + " as scheme, host and port only, since webhook URLs often carry a secret in the path or query.");
  static final Key ROUTER_WEBHOOK_AUTHORIZATION = key(
      "router.webhook.authorization",
      "",
      "secret text, or empty",
      "`Authorization` header sent to the webhook, such as `Bearer ...`; empty sends none. Never printed.");
  static final Key ROUTER_INITIAL_BACKOFF = key(
      "router.retry.initial.backoff",
      "1s",
      "duration > 0",
      "First delay before retrying a delivery that failed with 429, 5xx or a network error; it doubles"
          + " with every attempt, with full jitter.");
  static final Key ROUTER_MAX_BACKOFF = key(
      "router.retry.max.backoff",
      "2m",
      "duration > 0, >= initial backoff",
      "Longest delay between attempts, also the cap on a receiver's `Retry-After`. Delivery is retried"
          + " for as long as it takes.");
  static final Key ROUTER_REQUEST_TIMEOUT = key(
      "router.request.timeout",
      "10s",
      "duration > 0",
      "Time limit of one HTTP request to a receiver; a timeout is retried like a network error.");

  static final Key CONNECT_JSON_ENABLED = key(
      "connect.json.enabled",
      "false",
      "boolean",
      "Also write each final rollup and each alert state change as Kafka Connect JSON with its schema"
          + " (`JsonConverter`, `schemas.enable=true`), for the PostgreSQL sink; see"
          + " [postgres-sink.md](postgres-sink.md).");
  static final Key TOPIC_ROLLUPS_CONNECT = key(
      "topics.rollups.connect",
      "llm.rollups.1m.connect",
      "topic name",
      "Output when `connect.json.enabled`: the final rollups as Connect JSON.");
  static final Key TOPIC_ALERTS_CONNECT = key(
      "topics.alerts.connect",
      "llm.alerts.connect",
      "topic name",
      "Output when `connect.json.enabled`: the alert state changes as Connect JSON.");

  private ConfigKeys() {}

  private static Key key(String name, String defaultValue, String type, String doc) {
    return key(
        name, defaultValue, defaultValue.isEmpty() ? "" : "`" + defaultValue + "`", type, doc);
  }

  private static Key key(
      String name, String defaultValue, String documentedDefault, String type, String doc) {
    Key key = new Key(name, defaultValue, documentedDefault, type, doc);
    BY_NAME.put(name, key);
    return key;
  }

  /**
   * The table of fixed keys in {@code docs/configuration.md}, generated here so that the page
   * cannot drift from the code ({@code ConfigDocumentationTest} compares them).
   */
  static String markdownTable() {
    StringBuilder sb = new StringBuilder()
        .append("| key | type | default | environment variable | meaning |\n")
        .append("|---|---|---|---|---|\n");
    for (Key key : all()) {
      sb.append("| `")
          .append(key.name())
          .append("` | ")
          .append(key.type().replace("|", "\\|"))
          .append(" | ")
          .append(key.documentedDefault().isEmpty() ? "empty" : key.documentedDefault())
          .append(" | `")
          .append(key.envName())
          .append("` | ")
          .append(key.doc().replace("|", "\\|"))
          .append(" |\n");
    }
    return sb.toString();
  }

  /** Every fixed key, in declaration order. */
  static List<Key> all() {
    return List.copyOf(BY_NAME.values());
  }

  static Key byName(String name) {
    return BY_NAME.get(name);
  }

  /** The current name of {@code key}: itself, unless it is the former name of a renamed key. */
  static String currentName(String key) {
    return FORMER_NAMES.getOrDefault(key, key);
  }

  /** {@code kafka.bootstrap.servers} becomes {@code TOKENMETER_KAFKA_BOOTSTRAP_SERVERS}. */
  static String envName(String key) {
    return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /**
   * The key an environment variable sets, or null when the variable is not ours. None of our keys
   * contains an underscore or a dash, so underscores map back to dots without ambiguity. Variables
   * outside our namespaces (for example {@code TOKENMETER_JAVA_OPTS}) are left to their owners.
   */
  static String keyForEnv(String envName) {
    if (!envName.startsWith(ENV_PREFIX)) {
      return null;
    }
    String key = envName.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
    int dot = key.indexOf('.');
    String namespace = dot < 0 ? key : key.substring(0, dot);
    return NAMESPACES.contains(namespace) ? key : null;
  }

  static boolean isSecret(String key) {
    String lower = key.toLowerCase(Locale.ROOT);
    return SECRET_MARKERS.stream().anyMatch(lower::contains);
  }
}
