package io.tokenmeter.app;

import com.sun.net.httpserver.HttpHandler;
import io.tokenmeter.config.HttpSettings;
import io.tokenmeter.config.KafkaSettings;
import io.tokenmeter.config.TokenmeterConfig;
import io.tokenmeter.cost.Pricing;
import io.tokenmeter.dashboard.DashboardEndpoint;
import io.tokenmeter.http.Health;
import io.tokenmeter.http.HealthEndpoint;
import io.tokenmeter.http.HttpService;
import io.tokenmeter.query.QueryEndpoints;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running streams app: creates missing topics, then runs {@link TokenmeterTopology} in Kafka
 * Streams until {@link #close(Duration)}. A stream thread that dies is logged and replaced; its
 * tasks restart from their last commit, which under exactly-once loses and repeats nothing. Under
 * exactly-once, {@link HangingTransactions} aborts transactions of the app's own that no
 * coordinator will finish, which would otherwise hold up its readers for good.
 *
 * <p>With {@code http.enabled} it serves {@code /health} (200 while Streams is RUNNING or
 * REBALANCING), the query API ({@link QueryEndpoints}) and the dashboard ({@code /}) on {@code
 * http.host:http.port}, and tells Kafka Streams ({@code application.server}) how the other
 * instances reach it.
 */
public final class TokenmeterApp implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TokenmeterApp.class);
  static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private final TokenmeterConfig config;
  private final Pricing pricing;
  // Read without the lock by the health check, which is served before Streams exists.
  private volatile KafkaStreams streams;
  private HttpService http;
  private HangingTransactions hangingTransactions;

  public TokenmeterApp(TokenmeterConfig config, Pricing pricing) {
    this.config = config;
    this.pricing = pricing;
  }

  /** Creates missing topics and starts Kafka Streams; returns once started (not yet RUNNING). */
  public TokenmeterApp start() {
    return start((now, before) -> LOG.info("Kafka Streams {} -> {}", before, now));
  }

  /** As {@link #start()}, telling {@code listener} of every state change from the start on. */
  public synchronized TokenmeterApp start(KafkaStreams.StateListener listener) {
    if (streams != null) {
      throw new IllegalStateException("already started");
    }
    if (config.http().enabled()) {
      // Bound before Streams is built: application.server needs the actual port (http.port may be
      // 0), and a taken port fails the start instead of a later health check.
      http = HttpService.start(config.http(), httpHandlers());
    }
    Properties props = StreamsProperties.of(config);
    try {
      if (http != null) {
        HostInfo self = advertised();
        LOG.info(
            "HTTP endpoints on {}:{}; other instances reach this one at {}:{}",
            config.http().host(),
            http.port(),
            self.host(),
            self.port());
        props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
      }
      try (Admin admin = Admin.create(adminProperties(props))) {
        TopicCreation.createMissing(admin, config.topics(), config.connect());
      }
      Topology topology = TokenmeterTopology.build(config, pricing);
      LOG.debug("topology:\n{}", topology.describe());
      streams = new KafkaStreams(topology, props);
    } catch (RuntimeException e) {
      if (http != null) {
        http.close();
        http = null;
      }
      throw e;
    }
    streams.setUncaughtExceptionHandler(e -> {
      LOG.error("stream thread failed; replacing it", e);
      return StreamThreadExceptionResponse.REPLACE_THREAD;
    });
    streams.setStateListener(listener);
    streams.start();
    watchForHangingTransactions(props);
    return this;
  }

  /** Exactly-once only: at-least-once writes no transactions and reads uncommitted. */
  private void watchForHangingTransactions(Properties streamsProps) {
    Duration abortAfter = config.kafka().abortHangingTransactionsAfter();
    if (config.kafka().processingGuarantee() != KafkaSettings.ProcessingGuarantee.EXACTLY_ONCE_V2
        || abortAfter.isZero()) {
      return;
    }
    Set<String> outputs = new HashSet<>(Set.of(
        config.topics().rollups(), config.topics().alerts(), config.topics().deadLetter()));
    if (config.connect().jsonEnabled()) {
      outputs.add(config.connect().rollupsTopic());
      outputs.add(config.connect().alertsTopic());
    }
    hangingTransactions = HangingTransactions.watch(
        adminProperties(streamsProps), config.kafka().applicationId(), outputs, abortAfter);
  }

  /**
   * Every HTTP endpoint of the app, context path to handler: health, the query API and the
   * internal endpoints the instances ask each other.
   */
  private Map<String, HttpHandler> httpHandlers() {
    Map<String, HttpHandler> handlers = new LinkedHashMap<>();
    handlers.put(HealthEndpoint.PATH, new HealthEndpoint(this::health));
    handlers.putAll(QueryEndpoints.handlers(
        this::streams,
        this::advertised,
        config.query().retention(),
        config.http().authToken()));
    handlers.put(DashboardEndpoint.PATH, new DashboardEndpoint());
    return handlers;
  }

  /**
   * How the other instances reach this one: {@code http.advertised.url}, else {@code http.host} and
   * the bound port, with the machine's host name in place of a wildcard address.
   */
  private synchronized HostInfo advertised() {
    return advertised(config.http(), http.port());
  }

  static HostInfo advertised(HttpSettings settings, int boundPort) {
    if (settings.advertisedUrl().isPresent()) {
      URI uri = URI.create(settings.advertisedUrl().get());
      int port =
          uri.getPort() >= 0 ? uri.getPort() : uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
      return new HostInfo(uri.getHost(), port);
    }
    String host = settings.host();
    if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
      try {
        host = InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        throw new IllegalStateException(
            "http.host is " + settings.host() + " and this machine's host name is unknown;"
                + " set http.advertised.url (TOKENMETER_HTTP_ADVERTISED_URL) to how other instances reach this one",
            e);
      }
    }
    return new HostInfo(host, boundPort);
  }

  /** The Kafka Streams instance, for its state, metrics and interactive queries. */
  public synchronized KafkaStreams streams() {
    if (streams == null) {
      throw new IllegalStateException("not started");
    }
    return streams;
  }

  /** The port the HTTP endpoints listen on, when {@code http.enabled} and started. */
  public synchronized OptionalInt httpPort() {
    return http == null ? OptionalInt.empty() : OptionalInt.of(http.port());
  }

  /** Up while Streams processes or is about to (a rebalance is part of normal work). */
  private Health health() {
    KafkaStreams current = streams;
    if (current == null) {
      return new Health(false, "STARTING");
    }
    KafkaStreams.State state = current.state();
    return new Health(
        state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING,
        state.name());
  }

  /** Stops processing, commits and closes within {@code timeout}; true if it closed in time. */
  public synchronized boolean close(Duration timeout) {
    if (http != null) {
      http.close();
      http = null;
    }
    if (hangingTransactions != null) {
      hangingTransactions.close();
      hangingTransactions = null;
    }
    if (streams == null) {
      return true;
    }
    boolean closed = streams.close(timeout);
    if (!closed) {
      LOG.warn("Kafka Streams did not close within {}", timeout);
    }
    return closed;
  }

  @Override
  public void close() {
    close(DEFAULT_CLOSE_TIMEOUT);
  }

  /** The admin client uses the same connection and security settings as Streams. */
  static Properties adminProperties(Properties streamsProps) {
    Properties admin = new Properties();
    for (Map.Entry<Object, Object> e : streamsProps.entrySet()) {
      String key = e.getKey().toString();
      if (key.startsWith(StreamsConfig.ADMIN_CLIENT_PREFIX)) {
        admin.put(key.substring(StreamsConfig.ADMIN_CLIENT_PREFIX.length()), e.getValue());
      } else if (AdminClientConfig.configNames().contains(key)) {
        admin.putIfAbsent(key, e.getValue());
      }
    }
    return admin;
  }
}
