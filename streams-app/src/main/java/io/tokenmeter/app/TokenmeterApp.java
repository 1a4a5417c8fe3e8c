package io.tokenmeter.app;

import io.tokenmeter.config.TokenmeterConfig;
import io.tokenmeter.cost.Pricing;
import io.tokenmeter.dashboard.DashboardEndpoint;
import io.tokenmeter.http.Health;
import io.tokenmeter.http.HealthEndpoint;
import io.tokenmeter.http.HttpService;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running streams app: creates missing topics, then runs {@link TokenmeterTopology} in Kafka
 * Streams until {@link #close(Duration)}. A stream thread that dies is logged and replaced; its
 * tasks restart from their last commit, which under exactly-once loses and repeats nothing.
 *
 * <p>With {@code http.enabled} it serves {@code /health} (200 while Streams is RUNNING or
 * REBALANCING) and the dashboard ({@code /}) on {@code http.host:http.port}.
 */
public final class TokenmeterApp implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TokenmeterApp.class);
  static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private final TokenmeterConfig config;
  private final Pricing pricing;
  private KafkaStreams streams;
  private HttpService http;

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
    Properties props = StreamsProperties.of(config);
    try (Admin admin = Admin.create(adminProperties(props))) {
      TopicCreation.createMissing(admin, config.topics(), config.connect());
    }
    Topology topology = TokenmeterTopology.build(config, pricing);
    LOG.info("topology:\n{}", topology.describe());
    streams = new KafkaStreams(topology, props);
    streams.setUncaughtExceptionHandler(e -> {
      LOG.error("stream thread failed; replacing it", e);
      return StreamThreadExceptionResponse.REPLACE_THREAD;
    });
    streams.setStateListener(listener);
    if (config.http().enabled()) {
      // Bound before Streams starts, so a taken port fails the start instead of a later health check.
      try {
        http = HttpService.start(config.http(), Map.of(HealthEndpoint.PATH, new HealthEndpoint(this::health),
            DashboardEndpoint.PATH, new DashboardEndpoint()));
      } catch (RuntimeException e) {
        streams.close(Duration.ZERO);
        streams = null;
        throw e;
      }
      LOG.info("HTTP endpoints on {}:{}", config.http().host(), http.port());
    }
    streams.start();
    return this;
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
    KafkaStreams.State state = streams.state();
    return new Health(state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING, state.name());
  }

  /** Stops processing, commits and closes within {@code timeout}; true if it closed in time. */
  public synchronized boolean close(Duration timeout) {
    if (http != null) {
      http.close();
      http = null;
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
  private static Properties adminProperties(Properties streamsProps) {
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
