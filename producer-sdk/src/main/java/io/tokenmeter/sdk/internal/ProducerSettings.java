package io.tokenmeter.sdk.internal;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The Kafka producer configuration the SDK runs with: its own fixed choices, the caller's extra
 * properties (SASL, TLS, tuning), and the few settings the SDK owns and refuses to have overridden.
 */
public final class ProducerSettings {

  /**
   * Settings that carry the SDK's guarantees (idempotent, acks=all, its own serializers) or that
   * have their own builder method. Overriding them through extra properties is refused in build().
   */
  public static final Set<String> OWNED = Set.of(
      ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
      ProducerConfig.ACKS_CONFIG,
      ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
      ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
      ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
      ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
      ProducerConfig.TRANSACTIONAL_ID_CONFIG);

  /**
   * How long send() may wait for metadata or buffer space. Small, so that a worker facing a dead
   * broker moves on (and drops, counted) instead of sitting on the queue for Kafka's default 60 s.
   */
  public static final int MAX_BLOCK_MS = 500;

  /** Batching delay; the caller never waits for it, and larger batches compress better. */
  public static final int LINGER_MS = 20;

  private static final int DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

  private ProducerSettings() {}

  /**
   * The producer configuration. Kafka requires {@code delivery.timeout.ms >= linger.ms +
   * request.timeout.ms}; unless the caller set the request timeout, it is shortened to fit a short
   * delivery timeout rather than failing.
   */
  public static Map<String, Object> build(
      String bootstrapServers,
      String clientId,
      Duration deliveryTimeout,
      Map<String, Object> extra) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    config.put(ProducerConfig.LINGER_MS_CONFIG, LINGER_MS);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, MAX_BLOCK_MS);
    config.putAll(extra);
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    int delivery = (int) deliveryTimeout.toMillis();
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, delivery);
    if (!extra.containsKey(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG)) {
      long linger = asLong(config.get(ProducerConfig.LINGER_MS_CONFIG), LINGER_MS);
      long request = Math.min(DEFAULT_REQUEST_TIMEOUT_MS, delivery - linger);
      config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(1, request));
    }
    return config;
  }

  /** Problems with the caller's extra properties, each naming the property; empty when fine. */
  public static List<String> problems(Map<String, Object> extra) {
    return extra.entrySet().stream()
        .filter(e -> e.getKey() == null || e.getValue() == null || OWNED.contains(e.getKey()))
        .map(e -> e.getKey() == null
            ? "producerProperty: the name must not be null"
            : e.getValue() == null
                ? "producerProperty " + e.getKey() + ": the value must not be null"
                : "producerProperty "
                    + e.getKey()
                    + ": set by the SDK itself and cannot be overridden"
                    + ownedHint(e.getKey()))
        .sorted()
        .toList();
  }

  private static String ownedHint(String key) {
    switch (key) {
      case ProducerConfig.BOOTSTRAP_SERVERS_CONFIG:
        return " (use bootstrapServers(...))";
      case ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG:
        return " (use deliveryTimeout(...))";
      case ProducerConfig.ACKS_CONFIG:
      case ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG:
        return " (the SDK always produces idempotently with acks=all)";
      default:
        return "";
    }
  }

  private static long asLong(Object value, long fallback) {
    if (value instanceof Number n) {
      return n.longValue();
    }
    try {
      return value == null ? fallback : Long.parseLong(value.toString().trim());
    } catch (NumberFormatException e) {
      return fallback; // Kafka's own validation will name the bad value
    }
  }
}
