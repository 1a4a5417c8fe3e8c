package io.tokenmeter.sdk;

import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.schemas.serde.AvroSerializer;
import io.tokenmeter.sdk.internal.Counters;
import io.tokenmeter.sdk.internal.Counters.Reason;
import io.tokenmeter.sdk.internal.Dispatcher;
import io.tokenmeter.sdk.internal.KeyFingerprints;
import io.tokenmeter.sdk.internal.ProducerSettings;
import io.tokenmeter.sdk.internal.SdkVersion;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records one {@code LlmCallEvent} per LLM API call to Kafka, without ever slowing down or failing
 * the call it meters.
 *
 * <pre>{@code
 * Tokenmeter tm = Tokenmeter.builder()
 *     .bootstrapServers("kafka:9092")
 *     .service("checkout").environment("prod")
 *     .fingerprintSecret(System.getenv("TOKENMETER_FINGERPRINT_SECRET"))
 *     .build();
 *
 * // Either wrap the HTTP call: duration, status, errors, usage and rate limits are captured.
 * LlmCall chat = LlmCall.builder().provider("openai").operation("chat")
 *     .requestModel("gpt-4o-mini").apiKey(apiKey).build();
 * HttpResponse<String> response = tm.track(chat, () -> http.send(request, BodyHandlers.ofString()));
 *
 * // Or record a finished call yourself.
 * tm.record(LlmCall.builder()....build());
 *
 * tm.close(); // at shutdown: sends what is queued, within the close timeout
 * }</pre>
 *
 * <p>{@link #record} only puts the call into a bounded in-memory queue and returns, in about a
 * microsecond. A background thread turns calls into Avro events (the API key into its fingerprint
 * there) and sends them with an idempotent producer ({@code acks=all}, lz4). When the queue is
 * full or Kafka refuses an event, the event is dropped and counted by reason in {@link #stats()}.
 * No method of this class throws into the caller, except {@link Builder#build()} on an invalid
 * configuration and {@link #track} rethrowing the caller's own exception unchanged.
 *
 * <p>Thread-safe. Create one per process and share it.
 */
public final class Tokenmeter implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger("io.tokenmeter.sdk");

  /** The SDK's name, as every event's {@code sdk.name} carries it. */
  public static final String SDK_NAME = SdkVersion.NAME;

  /** The SDK's version, as every event's {@code sdk.version} carries it ("unknown" outside a build). */
  public static final String SDK_VERSION = SdkVersion.VERSION;

  private final Counters counters;
  private final Dispatcher<LlmCall, LlmCallEvent> dispatcher;
  private final Duration closeTimeout;
  private final String description;
  private final AtomicBoolean closeLogged = new AtomicBoolean();

  private Tokenmeter(Builder b, Producer<String, LlmCallEvent> producer) {
    this.counters = new Counters();
    this.closeTimeout = b.closeTimeout;
    EventMapper mapper = new EventMapper(
        b.topic, b.service, b.environment, b.fingerprintSecret.getBytes(StandardCharsets.UTF_8));
    this.dispatcher = Dispatcher.start(
        b.queueCapacity, mapper, producer, b.deliveryTimeout, counters, "tokenmeter-sdk-worker");
    this.description = "Tokenmeter[topic="
        + b.topic
        + ", service="
        + b.service
        + ", environment="
        + b.environment
        + ", bootstrapServers="
        + b.bootstrapServers
        + ", schemaRegistry="
        + (b.schemaRegistryUrl == null ? "none" : withoutUserInfo(b.schemaRegistryUrl))
        + ", queueCapacity="
        + b.queueCapacity
        + "]";
  }

  // A registry URL may carry basic-auth credentials; they stay out of logs.
  private static String withoutUserInfo(String url) {
    int scheme = url.indexOf("://");
    int at = url.indexOf('@');
    int path = url.indexOf('/', scheme < 0 ? 0 : scheme + 3);
    if (scheme < 0 || at < 0 || (path >= 0 && at > path)) {
      return url;
    }
    return url.substring(0, scheme + 3) + "***@" + url.substring(at + 1);
  }

  /** A builder; see {@link Builder} for the settings and their defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The fingerprint an SDK built with {@code fingerprintSecret} gives {@code apiKey}: 32 hex
   * characters, as in the events' {@code api_key_fingerprint}. What an operator lists in
   * {@code alerts.key.allow.list}. The key is normalised as the SDK does (surrounding whitespace
   * and a {@code Bearer } prefix removed).
   *
   * @throws IllegalArgumentException when the secret is missing or too short, or the key is
   *     blank; the message never contains either
   */
  public static String keyFingerprint(@Nullable String fingerprintSecret, @Nullable String apiKey) {
    String problem = Builder.secretProblem(fingerprintSecret);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    KeyFingerprints.Identity id =
        new KeyFingerprints(fingerprintSecret.getBytes(StandardCharsets.UTF_8)).identify(apiKey);
    if (id == null) {
      throw new IllegalArgumentException("apiKey is required: the key to fingerprint");
    }
    return id.fingerprint();
  }

  /**
   * Queues one finished call for publishing and returns at once. Never blocks and never throws:
   * a full queue, a closed Tokenmeter, a null or incomplete call are counted in {@link #stats()}.
   */
  public void record(@Nullable LlmCall call) {
    dispatcher.offer(call);
  }

  /**
   * Runs {@code call}, records what happened, and returns the response or rethrows the call's own
   * exception unchanged. The event takes its provider, operation, models, key, org and project
   * from {@code template} and adds the start time, the duration, the status with its error type,
   * the rate-limit headers, and the usage and response model read from a {@code String} or {@code
   * byte[]} body (JSON or server-sent events). A failure without a response becomes {@code
   * timeout}, {@code network} or {@code client}. Each tracked call gets a new event id.
   *
   * <p>Parsing the body happens on this thread, after the response arrived; for usual chat
   * responses it costs microseconds, next to the call's hundreds of milliseconds.
   *
   * @param template the call's fixed attributes; null is tolerated (the event is counted invalid)
   * @param call sends the request, typically {@code () -> httpClient.send(request, handler)}
   */
  public <T> HttpResponse<T> track(@Nullable LlmCall template, HttpCall<T> call)
      throws IOException, InterruptedException {
    Objects.requireNonNull(call, "call");
    long startedAtMillis = System.currentTimeMillis();
    long start = System.nanoTime();
    HttpResponse<T> response;
    try {
      response = call.send();
    } catch (Throwable failure) {
      recordTracked(template, startedAtMillis, start, null, failure);
      throw failure;
    }
    recordTracked(template, startedAtMillis, start, response, null);
    return response;
  }

  private void recordTracked(
      LlmCall template,
      long startedAtMillis,
      long startNanos,
      HttpResponse<?> response,
      Throwable failure) {
    try {
      long durationMs = (System.nanoTime() - startNanos) / 1_000_000L;
      if (template == null) {
        record(null);
        return;
      }
      LlmCall.Builder b = template.toBuilder()
          .eventId(null)
          .timestampMillis(startedAtMillis)
          .durationMs(durationMs)
          .errorType(null);
      if (failure != null) {
        b.statusCode(0).error(failure);
      } else if (response != null) {
        b.statusCode(response.statusCode()).rateLimitHeaders(response.headers());
        Object body = response.body();
        if (body instanceof String s) {
          b.responseBody(s);
        } else if (body instanceof byte[] bytes) {
          b.responseBody(new String(bytes, StandardCharsets.UTF_8));
        }
      }
      record(b.build());
    } catch (RuntimeException unexpected) {
      counters.recorded.increment();
      counters.drop(Reason.INVALID, unexpected.getClass().getName());
    }
  }

  /** A point-in-time copy of the counters. Cheap; poll it from a metrics exporter. */
  public Stats stats() {
    // Outcomes are read before recorded, so pending() is never negative.
    long sent = counters.sent.sum();
    long queueFull = counters.dropped(Reason.QUEUE_FULL);
    long brokerUnavailable = counters.dropped(Reason.BROKER_UNAVAILABLE);
    long serialization = counters.dropped(Reason.SERIALIZATION);
    long invalid = counters.dropped(Reason.INVALID);
    long closed = counters.dropped(Reason.CLOSED);
    long recorded = counters.recorded.sum();
    return new Stats(
        recorded,
        sent,
        queueFull,
        brokerUnavailable,
        serialization,
        invalid,
        closed,
        dispatcher.queued());
  }

  /**
   * Waits until every call recorded before now has been sent or dropped, or until {@code
   * timeout}. Never throws.
   *
   * @return true when all of them have an outcome in time
   */
  public boolean flush(Duration timeout) {
    return dispatcher.flush(timeout);
  }

  /**
   * Stops accepting calls (later ones are counted as {@code closed}), sends what is queued, and
   * closes the Kafka producer, all within {@code timeout}. What is still unsent at the deadline
   * is dropped and counted as {@code closed}. Calling it again returns the first result. Never
   * throws.
   *
   * @return true when nothing was cut off by the deadline
   */
  public boolean close(Duration timeout) {
    boolean complete = dispatcher.close(timeout);
    if (!closeLogged.compareAndSet(false, true)) {
      return complete;
    }
    Stats s = stats();
    if (complete) {
      LOG.info("Tokenmeter closed: {}", s);
    } else {
      LOG.warn("Tokenmeter closed before everything was sent; raise closeTimeout? {}", s);
    }
    return complete;
  }

  /** {@link #close(Duration)} with the configured close timeout (default 5 s). */
  @Override
  public void close() {
    close(closeTimeout);
  }

  /** The configuration, without secrets. */
  @Override
  public String toString() {
    return description;
  }

  /**
   * A call that returns a JDK {@link HttpResponse}, for {@link #track}: typically {@code () ->
   * httpClient.send(request, BodyHandlers.ofString())}.
   *
   * @param <T> the response body type; {@code String} and {@code byte[]} bodies are parsed
   */
  @FunctionalInterface
  public interface HttpCall<T> {
    /** Sends the request and returns the response. */
    HttpResponse<T> send() throws IOException, InterruptedException;
  }

  /**
   * The SDK's counters at one moment. Every {@link #record} call counts once in {@code recorded}
   * and, once its fate is known, once in {@code sent} or in exactly one {@code dropped*} reason.
   *
   * @param recorded calls to {@code record()}, and tracked calls, since start
   * @param sent events the broker acknowledged
   * @param droppedQueueFull the queue was at capacity: calls come faster than Kafka takes them
   * @param droppedBrokerUnavailable Kafka did not take the event within the delivery timeout (or
   *     refused it): the broker is down, unreachable, or the topic is missing
   * @param droppedSerialization the event could not be encoded, e.g. the schema registry was
   *     unreachable
   * @param droppedInvalid {@code record(null)}, or a call without provider, operation or request
   *     model
   * @param droppedClosed recorded after close() began, or still unsent at close()'s deadline
   * @param queued events waiting in the queue now
   */
  public record Stats(
      long recorded,
      long sent,
      long droppedQueueFull,
      long droppedBrokerUnavailable,
      long droppedSerialization,
      long droppedInvalid,
      long droppedClosed,
      int queued) {

    /** All drops, whatever the reason. */
    public long dropped() {
      return droppedQueueFull
          + droppedBrokerUnavailable
          + droppedSerialization
          + droppedInvalid
          + droppedClosed;
    }

    /** Recorded calls without an outcome yet: queued, or handed to Kafka and unacknowledged. */
    public long pending() {
      return Math.max(0, recorded - sent - dropped());
    }

    /**
     * The counters under metric-style names ({@code recorded}, {@code sent}, {@code
     * dropped.queue_full}, ..., {@code queued}), for exporting to a metrics system.
     */
    public Map<String, Long> asMap() {
      Map<String, Long> m = new LinkedHashMap<>();
      m.put("recorded", recorded);
      m.put("sent", sent);
      m.put("dropped." + Reason.QUEUE_FULL.metricName, droppedQueueFull);
      m.put("dropped." + Reason.BROKER_UNAVAILABLE.metricName, droppedBrokerUnavailable);
      m.put("dropped." + Reason.SERIALIZATION.metricName, droppedSerialization);
      m.put("dropped." + Reason.INVALID.metricName, droppedInvalid);
      m.put("dropped." + Reason.CLOSED.metricName, droppedClosed);
      m.put("queued", (long) queued);
      return m;
    }
  }

  /**
   * The settings of a {@link Tokenmeter}. Required: {@link #bootstrapServers}, {@link #service},
   * {@link #environment} and {@link #fingerprintSecret}. {@link #build()} checks everything and
   * names every invalid setting in one {@link IllegalArgumentException}.
   */
  public static final class Builder {

    /** Default topic, as in the design. */
    public static final String DEFAULT_TOPIC = "llm.calls";
    /** Default queue capacity: about 1 MB of queued calls. */
    public static final int DEFAULT_QUEUE_CAPACITY = 8192;
    /** Default close timeout. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** Default delivery timeout (Kafka's own): rides out a two-minute broker outage. */
    public static final Duration DEFAULT_DELIVERY_TIMEOUT = Duration.ofMinutes(2);
    /** Shortest fingerprint secret accepted, in UTF-8 bytes: 256 bits for HMAC-SHA-256. */
    public static final int MIN_SECRET_BYTES = 32;

    private static final int MAX_QUEUE_CAPACITY = 1 << 24;
    private static final Duration MIN_DELIVERY_TIMEOUT = Duration.ofSeconds(1);
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    private @Nullable String bootstrapServers;
    private @Nullable String topic = DEFAULT_TOPIC;
    private @Nullable String service;
    private @Nullable String environment;
    private @Nullable String schemaRegistryUrl;
    private @Nullable String fingerprintSecret;
    private final Map<String, Object> producerProperties = new LinkedHashMap<>();
    private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
    private @Nullable Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
    private @Nullable Duration deliveryTimeout = DEFAULT_DELIVERY_TIMEOUT;

    private Builder() {}

    /** Required. Kafka's {@code bootstrap.servers}: {@code host:port[,host:port...]}. */
    public Builder bootstrapServers(@Nullable String bootstrapServers) {
      this.bootstrapServers = bootstrapServers;
      return this;
    }

    /** The topic to write to. Default {@value #DEFAULT_TOPIC}. */
    public Builder topic(@Nullable String topic) {
      this.topic = topic;
      return this;
    }

    /** Required. The calling service's name, sent in every event. */
    public Builder service(@Nullable String service) {
      this.service = service;
      return this;
    }

    /** Required. The deployment environment ({@code prod}, {@code staging}, ...). */
    public Builder environment(@Nullable String environment) {
      this.environment = environment;
      return this;
    }

    /**
     * A Confluent-compatible schema registry (Confluent, or Apicurio's {@code
     * /apis/ccompat/v7}); events are then written in the Confluent wire format. Default: none,
     * Avro single-object encoding.
     */
    public Builder schemaRegistryUrl(@Nullable String schemaRegistryUrl) {
      this.schemaRegistryUrl = schemaRegistryUrl;
      return this;
    }

    /**
     * Required. The HMAC key for API-key fingerprints, at least {@value #MIN_SECRET_BYTES} bytes
     * ({@code openssl rand -hex 32} makes one). Use the same secret in every service of a
     * deployment so that one key has one fingerprint everywhere; keep it out of source control.
     */
    public Builder fingerprintSecret(@Nullable String fingerprintSecret) {
      this.fingerprintSecret = fingerprintSecret;
      return this;
    }

    /**
     * One extra Kafka producer property, for example {@code security.protocol}, {@code
     * sasl.jaas.config} or {@code linger.ms}. The SDK's guarantees cannot be overridden: {@code
     * acks}, {@code enable.idempotence}, the serializers, {@code transactional.id}, and the
     * settings with their own method ({@code bootstrap.servers}, {@code delivery.timeout.ms}).
     */
    public Builder producerProperty(@Nullable String name, @Nullable Object value) {
      producerProperties.put(name, value);
      return this;
    }

    /** Several extra Kafka producer properties; see {@link #producerProperty}. */
    public Builder producerProperties(@Nullable Map<String, ?> properties) {
      if (properties != null) {
        producerProperties.putAll(properties);
      }
      return this;
    }

    /**
     * How many calls may wait for the worker; beyond it calls are dropped as {@code queue_full}.
     * Default {@value #DEFAULT_QUEUE_CAPACITY}.
     */
    public Builder queueCapacity(int queueCapacity) {
      this.queueCapacity = queueCapacity;
      return this;
    }

    /** How long {@link Tokenmeter#close()} may take. Default 5 s. */
    public Builder closeTimeout(@Nullable Duration closeTimeout) {
      this.closeTimeout = closeTimeout;
      return this;
    }

    /**
     * How long an event may wait for Kafka before it is dropped as {@code broker_unavailable}:
     * Kafka's {@code delivery.timeout.ms} once the producer has it, and the time the worker keeps
     * retrying while the producer cannot take it at all (broker down, topic missing); meanwhile
     * the queue absorbs new calls. At least 1 s; default 2 min.
     */
    public Builder deliveryTimeout(@Nullable Duration deliveryTimeout) {
      this.deliveryTimeout = deliveryTimeout;
      return this;
    }

    /**
     * Checks the settings, creates the Kafka producer and starts the worker thread. Does not
     * contact the broker: a broker that is down at start only leads to counted drops.
     *
     * @throws IllegalArgumentException naming every invalid setting
     */
    public Tokenmeter build() {
      AvroSerdeConfig serde = validate();
      Map<String, Object> config = kafkaConfig();
      KafkaProducer<String, LlmCallEvent> producer;
      try {
        producer = new KafkaProducer<>(
            config, new StringSerializer(), new AvroSerializer<>(LlmCallEvent.class, serde));
      } catch (KafkaException e) {
        throw new IllegalArgumentException(
            "Invalid Tokenmeter configuration: Kafka refused the producer settings: "
                + rootMessage(e),
            e);
      }
      return start(producer);
    }

    /**
     * The Kafka producer configuration {@link #build()} runs with: the SDK's own settings
     * (idempotent, {@code acks=all}, lz4, its linger, block and delivery timeouts) and the {@link
     * #producerProperty} extras, without the serializers. For tools that write call events as the
     * SDK writes them, and to see what a deployment's settings come to.
     *
     * @throws IllegalArgumentException naming every invalid setting, as {@link #build()} does
     */
    public Map<String, Object> producerConfig() {
      validate();
      return Map.copyOf(kafkaConfig());
    }

    private Map<String, Object> kafkaConfig() {
      return ProducerSettings.build(
          bootstrapServers.strip(),
          "tokenmeter-sdk-" + service.strip(),
          deliveryTimeout,
          producerProperties);
    }

    /** The problem with a fingerprint secret, or null; the secret itself never appears in it. */
    static @Nullable String secretProblem(@Nullable String fingerprintSecret) {
      if (fingerprintSecret == null || fingerprintSecret.isBlank()) {
        return "fingerprintSecret is required: the HMAC key for API-key fingerprints, at least "
            + MIN_SECRET_BYTES
            + " bytes (openssl rand -hex 32)";
      }
      int bytes = fingerprintSecret.getBytes(StandardCharsets.UTF_8).length;
      if (bytes < MIN_SECRET_BYTES) {
        // The length is safe to show.
        return "fingerprintSecret is too short: "
            + bytes
            + " bytes, at least "
            + MIN_SECRET_BYTES
            + " are needed (openssl rand -hex 32 makes one)";
      }
      return null;
    }

    /** As {@link #build()}, with a given producer; for tests. */
    Tokenmeter build(Producer<String, LlmCallEvent> producer) {
      validate();
      return start(producer);
    }

    private Tokenmeter start(Producer<String, LlmCallEvent> producer) {
      Tokenmeter tm = new Tokenmeter(this, producer);
      LOG.info("{} started (SDK {} {})", tm, SdkVersion.NAME, SdkVersion.VERSION);
      return tm;
    }

    private AvroSerdeConfig validate() {
      List<String> problems = new ArrayList<>();
      checkBootstrapServers(problems);
      if (topic == null
          || !TOPIC.matcher(topic).matches()
          || topic.equals(".")
          || topic.equals("..")) {
        problems.add(
            "topic: '" + topic + "' is not a valid Kafka topic name (1-249 of a-z A-Z 0-9 . _ -)");
      }
      if (service == null || service.isBlank()) {
        problems.add("service is required: the name of the calling service");
      }
      if (environment == null || environment.isBlank()) {
        problems.add("environment is required, for example prod or staging");
      }
      String secretProblem = secretProblem(fingerprintSecret);
      if (secretProblem != null) {
        problems.add(secretProblem);
      }
      if (queueCapacity < 1 || queueCapacity > MAX_QUEUE_CAPACITY) {
        problems.add(
            "queueCapacity must be between 1 and " + MAX_QUEUE_CAPACITY + ", was " + queueCapacity);
      }
      if (closeTimeout == null || closeTimeout.isNegative()) {
        problems.add("closeTimeout must be zero or positive, was " + closeTimeout);
      }
      if (deliveryTimeout == null
          || deliveryTimeout.compareTo(MIN_DELIVERY_TIMEOUT) < 0
          || deliveryTimeout.toMillis() > Integer.MAX_VALUE) {
        problems.add("deliveryTimeout must be between 1 s and "
            + Integer.MAX_VALUE
            + " ms, was "
            + deliveryTimeout);
      }
      problems.addAll(ProducerSettings.problems(producerProperties));
      AvroSerdeConfig serde = AvroSerdeConfig.withoutRegistry();
      if (schemaRegistryUrl != null && !schemaRegistryUrl.isBlank()) {
        try {
          serde = AvroSerdeConfig.withRegistry(schemaRegistryUrl.strip());
        } catch (KafkaException e) {
          problems.add(
              "schemaRegistryUrl: '" + schemaRegistryUrl + "' must be an http:// or https:// URL");
        }
      }
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException(
            "Invalid Tokenmeter configuration: " + String.join("; ", problems));
      }
      return serde;
    }

    private void checkBootstrapServers(List<String> problems) {
      if (bootstrapServers == null || bootstrapServers.isBlank()) {
        problems.add("bootstrapServers is required: host:port[,host:port...]");
        return;
      }
      for (String server : bootstrapServers.split(",")) {
        String s = server.strip();
        int colon = s.lastIndexOf(':');
        int port = -1;
        if (colon > 0) {
          try {
            port = Integer.parseInt(s.substring(colon + 1));
          } catch (NumberFormatException e) {
            port = -1;
          }
        }
        if (colon <= 0 || port < 1 || port > 65535) {
          problems.add(
              "bootstrapServers: '" + s + "' is not host:port with a port between 1 and 65535");
        }
      }
    }

    private static String rootMessage(Throwable e) {
      Throwable t = e;
      while (t.getCause() != null && t.getCause() != t) {
        t = t.getCause();
      }
      return t.getMessage() != null ? t.getMessage() : t.getClass().getName();
    }
  }
}
