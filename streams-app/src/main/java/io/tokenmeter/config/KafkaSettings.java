package io.tokenmeter.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.streams.StreamsConfig;

/**
 * How the app talks to Kafka and runs Kafka Streams.
 *
 * @param bootstrapServers {@code kafka.bootstrap.servers}, default {@code 127.0.0.1:9092}
 * @param applicationId {@code kafka.application.id}, default {@code tokenmeter}: the Streams
 *     application id (consumer group, internal topic prefix)
 * @param processingGuarantee {@code kafka.processing.guarantee}: exactly_once_v2 (default) or
 *     at_least_once
 * @param stateDir {@code kafka.state.dir}, default {@code ${user.home}/.tokenmeter/state}
 * @param commitInterval {@code kafka.commit.interval}, default 1 s: bounds how soon results are
 *     visible under exactly-once
 * @param cacheMaxBytes {@code kafka.cache.max.bytes}, default 16 MiB: Streams' record cache, all
 *     threads
 * @param numStreamThreads {@code kafka.num.stream.threads}, default 1
 * @param abortHangingTransactionsAfter {@code kafka.abort.hanging.transactions.after}, default 1
 *     minute, zero for never: exactly-once only, see {@code io.tokenmeter.app.HangingTransactions}
 * @param schemaRegistryUrl {@code kafka.schema.registry.url}: empty for single-object encoding
 * @param clientOverrides {@code kafka.client.*}: any Kafka client or Streams property, for
 *     example SASL and TLS settings, passed through as is. Values may be secrets: {@link
 *     #toString()} redacts them, and so should any other code that prints them.
 */
public record KafkaSettings(
    String bootstrapServers,
    String applicationId,
    ProcessingGuarantee processingGuarantee,
    Path stateDir,
    Duration commitInterval,
    long cacheMaxBytes,
    int numStreamThreads,
    Duration abortHangingTransactionsAfter,
    Optional<String> schemaRegistryUrl,
    Map<String, String> clientOverrides) {

  public KafkaSettings {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    Objects.requireNonNull(applicationId, "applicationId");
    Objects.requireNonNull(processingGuarantee, "processingGuarantee");
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(commitInterval, "commitInterval");
    Objects.requireNonNull(abortHangingTransactionsAfter, "abortHangingTransactionsAfter");
    Objects.requireNonNull(schemaRegistryUrl, "schemaRegistryUrl");
    clientOverrides = Collections.unmodifiableMap(new TreeMap<>(clientOverrides));
  }

  /**
   * The Kafka Streams configuration: the client overrides first, then the settings that have keys
   * of their own (the loader rejects overrides that would contradict them). Serdes are left to the
   * topology, which knows its types. All values are strings, so {@link Properties#getProperty}
   * works.
   */
  public Properties streamsProperties() {
    Properties props = new Properties();
    props.putAll(clientOverrides);
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, processingGuarantee.streamsValue());
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.toString(commitInterval.toMillis()));
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, Long.toString(cacheMaxBytes));
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.toString(numStreamThreads));
    return props;
  }

  /**
   * For a plain producer, consumer or admin client (topic creation, the alert router; the CLI's
   * produce, consume and tail do not use it yet): the bootstrap servers and the client overrides,
   * which carry the SASL and TLS settings. Add the client's own settings on top.
   */
  public Map<String, Object> clientProperties() {
    Map<String, Object> props = new TreeMap<>(clientOverrides);
    props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return props;
  }

  /** Like the record's, with secret client overrides replaced by {@code [redacted]}. */
  @Override
  public String toString() {
    return "KafkaSettings[bootstrapServers=" + bootstrapServers
        + ", applicationId=" + applicationId
        + ", processingGuarantee=" + processingGuarantee
        + ", stateDir=" + stateDir
        + ", commitInterval=" + commitInterval
        + ", cacheMaxBytes=" + cacheMaxBytes
        + ", numStreamThreads=" + numStreamThreads
        + ", abortHangingTransactionsAfter=" + abortHangingTransactionsAfter
        + ", schemaRegistryUrl=" + schemaRegistryUrl.map(ConfigDescription::redactUserInfo)
        + ", clientOverrides=" + ConfigDescription.redact(clientOverrides) + "]";
  }

  /** The two delivery modes the app supports. */
  public enum ProcessingGuarantee {
    EXACTLY_ONCE_V2("exactly_once_v2"),
    AT_LEAST_ONCE("at_least_once");

    private final String streamsValue;

    ProcessingGuarantee(String streamsValue) {
      this.streamsValue = streamsValue;
    }

    /** The value of Kafka Streams' {@code processing.guarantee}. */
    public String streamsValue() {
      return streamsValue;
    }
  }
}
