package io.tokenmeter.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.config.AlertSettings;
import io.tokenmeter.config.KafkaSettings;
import io.tokenmeter.config.PricingSettings;
import io.tokenmeter.config.RollupSettings;
import io.tokenmeter.config.TokenmeterConfig;
import io.tokenmeter.config.TopicSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class StreamsPropertiesTest {

  static TokenmeterConfig config(
      KafkaSettings.ProcessingGuarantee guarantee, Map<String, String> overrides) {
    return new TokenmeterConfig(
        new KafkaSettings(
            "broker:9092",
            "tokenmeter",
            guarantee,
            Path.of("/var/lib/tokenmeter"),
            Duration.ofMillis(250),
            5_000_000,
            2,
            Duration.ofMinutes(1),
            Optional.empty(),
            overrides),
        new TopicSettings(
            "llm.calls",
            "llm.rollups.1m",
            "llm.alerts",
            "llm.calls.dlq",
            6,
            (short) 1,
            Duration.ofDays(7),
            Duration.ofDays(30)),
        new RollupSettings(
            Duration.ofMinutes(2),
            Duration.ofHours(1),
            Duration.ofSeconds(1),
            10_000,
            Duration.ofSeconds(10),
            1000,
            Duration.ofHours(24)),
        new AlertSettings(
            0.8, 0.95, 2, List.of(), new AlertSettings.ErrorRate(20, 3.0, 0.05, 0.2), Set.of()),
        new PricingSettings(Optional.empty()));
  }

  @Test
  void streamsRunsAsConfiguredWithDeadLetteringHandlers() {
    Properties p =
        StreamsProperties.of(config(KafkaSettings.ProcessingGuarantee.EXACTLY_ONCE_V2, Map.of()));

    assertThat(p)
        .containsEntry(StreamsConfig.APPLICATION_ID_CONFIG, "tokenmeter")
        .containsEntry(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "broker:9092")
        .containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2")
        .containsEntry(StreamsConfig.STATE_DIR_CONFIG, "/var/lib/tokenmeter")
        .containsEntry(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "250")
        .containsEntry(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, "5000000")
        .containsEntry(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "2")
        .containsEntry(StreamsConfig.REPLICATION_FACTOR_CONFIG, "1")
        .containsEntry(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, "llm.calls.dlq")
        .containsEntry(
            StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
            DeadLetterExceptionHandlers.Deserialization.class.getName())
        .containsEntry(
            StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
            DeadLetterExceptionHandlers.Processing.class.getName())
        .containsEntry(
            StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
            DeadLetterExceptionHandlers.Production.class.getName())
        .containsEntry(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, "-1");
    new StreamsConfig(p);
  }

  @Test
  void atLeastOnceAndClientOverridesPassThrough() {
    Properties p = StreamsProperties.of(config(
        KafkaSettings.ProcessingGuarantee.AT_LEAST_ONCE,
        Map.of(
            "security.protocol",
            "SASL_SSL",
            StreamsConfig.COMMIT_INTERVAL_MS_CONFIG,
            "1000",
            StreamsConfig.MAX_TASK_IDLE_MS_CONFIG,
            "0")));

    assertThat(p)
        .containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "at_least_once")
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "1000")
        .containsEntry(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, "0");
  }
}
