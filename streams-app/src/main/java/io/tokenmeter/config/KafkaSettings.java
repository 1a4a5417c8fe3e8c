package io.tokenmeter.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * How the app talks to Kafka and runs Kafka Streams.
 *
 * @param bootstrapServers {@code kafka.bootstrap.servers}
 * @param applicationId {@code kafka.application.id}: the Streams application id (consumer group,
 *     internal topic prefix)
 * @param processingGuarantee {@code kafka.processing.guarantee}: exactly_once_v2 (default) or
 *     at_least_once
 * @param stateDir {@code kafka.state.dir}
 * @param commitInterval {@code kafka.commit.interval}
 * @param cacheMaxBytes {@code kafka.cache.max.bytes}: Streams' record cache, all threads
 * @param numStreamThreads {@code kafka.num.stream.threads}
 * @param schemaRegistryUrl {@code kafka.schema.registry.url}: empty for single-object encoding
 * @param clientOverrides {@code kafka.client.*}: any Kafka client or Streams property, for
 *     example SASL and TLS settings, passed through as is
 */
public record KafkaSettings(
    String bootstrapServers,
    String applicationId,
    ProcessingGuarantee processingGuarantee,
    Path stateDir,
    Duration commitInterval,
    long cacheMaxBytes,
    int numStreamThreads,
    Optional<String> schemaRegistryUrl,
    Map<String, String> clientOverrides) {

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
