package io.tokenmeter.query;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.UsageRollup;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The query API of docs/query-api.md ({@code /api/v1/series}, {@code top}, {@code rollups},
 * {@code alerts}) and the internal endpoints the instances ask each other ({@code
 * /internal/v1/rollups}, {@code /internal/v1/alerts}: this instance's raw rows only).
 */
public final class QueryEndpoints {

  public static final String API_PATH = "/api/v1/";
  public static final String INTERNAL_PATH = "/internal/v1/";
  /** How long to wait for another instance's part of an answer. */
  static final Duration PEER_TIMEOUT = Duration.ofSeconds(5);

  private static final Logger LOG = LoggerFactory.getLogger(QueryEndpoints.class);

  private final StateSource cluster;
  private final StateSource local;
  private final Clock clock;
  private final Duration retention;

  QueryEndpoints(StateSource cluster, StateSource local, Clock clock, Duration retention) {
    this.cluster = cluster;
    this.local = local;
    this.clock = clock;
    this.retention = retention;
  }

  /**
   * The handlers (context path → handler) for an app whose Kafka Streams {@code streams} supplies
   * once started, reachable by the other instances at {@code self} ({@code application.server}).
   */
  public static Map<String, HttpHandler> handlers(
      Supplier<KafkaStreams> streams, Supplier<HostInfo> self, Duration retention) {
    return handlers(streams, self, retention, Optional.empty());
  }

  /**
   * As {@link #handlers(Supplier, Supplier, Duration)}, sending {@code authToken} ({@code
   * http.auth.token}) to the other instances, whose endpoints want the same token.
   */
  public static Map<String, HttpHandler> handlers(
      Supplier<KafkaStreams> streams,
      Supplier<HostInfo> self,
      Duration retention,
      Optional<String> authToken) {
    QueryEndpoints endpoints = new QueryEndpoints(
        new ClusterQueries(streams, self, new PeerClient(PEER_TIMEOUT, authToken)),
        new LocalQueries(streams),
        Clock.systemUTC(),
        retention);
    return endpoints.handlers();
  }

  Map<String, HttpHandler> handlers() {
    Map<String, HttpHandler> handlers = new LinkedHashMap<>();
    handlers.put(API_PATH, exchange -> serve(exchange, this::api));
    handlers.put(INTERNAL_PATH, exchange -> serve(exchange, this::internal));
    return handlers;
  }

  private interface Route {
    /** The JSON answer, or null for an unknown path. */
    ObjectNode answer(String path, Map<String, String> params);
  }

  private ObjectNode api(String path, Map<String, String> params) {
    return switch (path) {
      case "/api/v1/series" -> series(params);
      case "/api/v1/top" -> top(params);
      case "/api/v1/rollups" -> rollups(params);
      case "/api/v1/alerts" -> alerts(params);
      default -> null;
    };
  }

  private ObjectNode internal(String path, Map<String, String> params) {
    return switch (path) {
      case PeerClient.INTERNAL_ROLLUPS -> {
        ObjectNode o = QueryJson.MAPPER.createObjectNode();
        ArrayNode rows = o.putArray("rollups");
        // Parsed without the retention check: the asking instance has done it with its own clock.
        RollupQuery q =
            RollupQuery.parse(params, Set.of(), clock.millis(), Duration.ofMillis(Long.MAX_VALUE));
        local
            .rollups(q)
            .forEach(r -> rows.add(Base64.getEncoder().encodeToString(RollupCodec.encode(r))));
        yield o;
      }
      case PeerClient.INTERNAL_ALERTS -> {
        ObjectNode o = QueryJson.MAPPER.createObjectNode();
        ArrayNode rows = o.putArray("alerts");
        local
            .openAlerts()
            .forEach(a -> rows.add(Base64.getEncoder().encodeToString(RollupCodec.encode(a))));
        yield o;
      }
      default -> null;
    };
  }

  ObjectNode series(Map<String, String> params) {
    RollupQuery q =
        RollupQuery.parse(params, Set.of("metric", "group_by"), clock.millis(), retention);
    String metricName = params.get("metric");
    if (metricName == null) {
      throw new BadParameterException("metric", "metric is required");
    }
    Metric metric = Metric.named(metricName);
    String groupByName = params.getOrDefault("group_by", "none");
    Dimension groupBy =
        groupByName.equals("none") ? null : dimension("group_by", groupByName, true);
    return QueryJson.series(
        metric, groupBy, q, SeriesAggregation.of(cluster.rollups(q), metric, groupBy));
  }

  ObjectNode top(Map<String, String> params) {
    RollupQuery q =
        RollupQuery.parse(params, Set.of("by", "group", "n"), clock.millis(), retention);
    TopAggregation.By by = TopAggregation.By.named(params.getOrDefault("by", "cost"));
    Dimension group = dimension("group", params.getOrDefault("group", "key"), false);
    int n = count(params.getOrDefault("n", "10"));
    return QueryJson.top(by, group, q, TopAggregation.of(cluster.rollups(q), by, group, n));
  }

  ObjectNode rollups(Map<String, String> params) {
    RollupQuery q = RollupQuery.parse(params, Set.of(), clock.millis(), retention);
    List<UsageRollup> rows = new java.util.ArrayList<>(cluster.rollups(q));
    rows.sort(Comparator.comparing((UsageRollup r) -> r.getWindowStart())
        .thenComparing(r -> QueryStores.rollupKey(r)));
    return QueryJson.rollups(q, rows);
  }

  ObjectNode alerts(Map<String, String> params) {
    if (!params.isEmpty()) {
      String name = params.keySet().iterator().next();
      throw new BadParameterException(
          name, "unknown parameter '" + name + "'; /api/v1/alerts takes none");
    }
    List<Alert> open = new java.util.ArrayList<>(cluster.openAlerts());
    open.sort(Comparator.comparing((Alert a) -> a.getEmittedAt())
        .reversed()
        .thenComparing(a -> a.getDedupKey().toString()));
    return QueryJson.alerts(open);
  }

  private static Dimension dimension(String parameter, String value, boolean noneAllowed) {
    Dimension d = Dimension.named(value);
    if (d == null) {
      throw new BadParameterException(
          parameter,
          "unknown value '" + value + "'; one of model, org, project, key, service"
              + (noneAllowed ? ", none" : ""));
    }
    return d;
  }

  private static int count(String text) {
    try {
      int n = Integer.parseInt(text.trim());
      if (n >= 1 && n <= 1000) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new BadParameterException("n", "n must be an integer 1..1000, got '" + text + "'");
  }

  private void serve(HttpExchange exchange, Route route) throws IOException {
    try (exchange) {
      if (!exchange.getRequestMethod().equals("GET")) {
        exchange.getResponseHeaders().set("Allow", "GET");
        send(exchange, 405, QueryJson.error("method not allowed", null));
        return;
      }
      String path = exchange.getRequestURI().getPath();
      ObjectNode answer;
      try {
        answer =
            route.answer(path, RollupQuery.parameters(exchange.getRequestURI().getRawQuery()));
      } catch (BadParameterException e) {
        send(exchange, 400, QueryJson.error(e.getMessage(), e.parameter()));
        return;
      } catch (StateSource.UnavailableException e) {
        exchange.getResponseHeaders().set("Retry-After", "1");
        send(exchange, 503, QueryJson.error(e.getMessage(), null));
        return;
      } catch (RuntimeException e) {
        LOG.warn("query {} failed", exchange.getRequestURI(), e);
        send(exchange, 500, QueryJson.error("internal error: " + e, null));
        return;
      }
      if (answer == null) {
        send(exchange, 404, QueryJson.error("not found: " + path, null));
      } else {
        send(exchange, 200, answer);
      }
    }
  }

  private static void send(HttpExchange exchange, int status, ObjectNode json) throws IOException {
    byte[] body = QueryJson.MAPPER.writeValueAsBytes(json);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
