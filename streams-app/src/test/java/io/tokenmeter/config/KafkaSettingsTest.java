package io.tokenmeter.config;

import static io.tokenmeter.config.ConfigFixtures.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class KafkaSettingsTest {

  @Test
  void streamsPropertiesCarryEverySettingAndTheClientOverridesButNoSerdes() {
    TokenmeterConfig config = ConfigLoader.create()
        .override("kafka.bootstrap.servers", "b1:9092,b2:9092")
        .override("kafka.application.id", "tokenmeter-eu")
        .override("kafka.processing.guarantee", "at_least_once")
        .override("kafka.state.dir", "/var/lib/tokenmeter")
        .override("kafka.commit.interval", "250ms")
        .override("kafka.cache.max.bytes", "64MiB")
        .override("kafka.num.stream.threads", "4")
        .override("kafka.client.security.protocol", "SASL_SSL")
        .override("kafka.client.num.standby.replicas", "1")
        .load();

    Properties props = config.kafka().streamsProperties();

    assertThat(props)
        .containsExactlyInAnyOrderEntriesOf(Map.of(
            "application.id", "tokenmeter-eu",
            "bootstrap.servers", "b1:9092,b2:9092",
            "processing.guarantee", "at_least_once",
            "state.dir", Path.of("/var/lib/tokenmeter").toString(),
            "commit.interval.ms", "250",
            "statestore.cache.max.bytes", "67108864",
            "num.stream.threads", "4",
            "security.protocol", "SASL_SSL",
            "num.standby.replicas", "1"));
    assertThat(props.getProperty(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo("250");
  }

  @Test
  void defaultStreamsPropertiesAreAcceptedByKafkaStreams() {
    Properties props = TokenmeterConfig.defaults().kafka().streamsProperties();

    assertThat(props.getProperty("processing.guarantee")).isEqualTo("exactly_once_v2");
    assertThat(props.getProperty("commit.interval.ms")).isEqualTo("1000");
    assertThat(props.getProperty("statestore.cache.max.bytes")).isEqualTo("16777216");
    assertThat(props).doesNotContainKeys("default.key.serde", "default.value.serde");
    assertThatCode(() -> StreamsConfig.configDef().parse(props)).doesNotThrowAnyException();
  }

  @Test
  void clientPropertiesHaveBootstrapAndOverridesForPlainClients() {
    TokenmeterConfig config = ConfigLoader.create()
        .override("kafka.bootstrap.servers", "b1:9092")
        .override("kafka.client.sasl.mechanism", "PLAIN")
        .load();

    assertThat(config.kafka().clientProperties())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("bootstrap.servers", "b1:9092", "sasl.mechanism", "PLAIN"));
  }

  @Test
  void clientOverrideOfASettingWithItsOwnKeyIsRejected() {
    ConfigException e = failure(
        ConfigLoader.create().env(Map.of("TOKENMETER_KAFKA_CLIENT_BOOTSTRAP_SERVERS", "b1:9092")));

    assertThat(e.problems())
        .containsExactly("kafka.client.bootstrap.servers (environment variable"
            + " TOKENMETER_KAFKA_CLIENT_BOOTSTRAP_SERVERS) would contradict kafka.bootstrap.servers;"
            + " set kafka.bootstrap.servers (TOKENMETER_KAFKA_BOOTSTRAP_SERVERS) instead");
  }

  @Test
  void kafkaValidatesPassThroughSettingsAtStart() {
    ConfigException e = failure(ConfigLoader.create()
        .override("kafka.client.security.protocol", "SASL_SSLL", "--security-protocol"));

    assertThat(e.problems()).hasSize(1);
    assertThat(e.problems().get(0))
        .startsWith(
            "Invalid value for kafka.client.security.protocol (flag --security-protocol): Kafka rejected it: ")
        .contains("SASL_SSLL");
  }

  @Test
  void misspeltKafkaSettingIsCaughtButThirdPartySettingsPassThrough() {
    ConfigException e = failure(ConfigLoader.create()
        .override("kafka.client.sasl.mechanisms", "PLAIN")
        .override("kafka.client.producer.linger.msec", "5")
        .override("kafka.client.basic.auth.credentials.source", "USER_INFO")
        .override("kafka.client.topic.min.insync.replicas", "2"));

    assertThat(e.problems())
        .containsExactly(
            "unknown Kafka setting 'producer.linger.msec' in kafka.client.producer.linger.msec"
                + " (override of kafka.client.producer.linger.msec); did you mean 'kafka.client.producer.linger.ms'?",
            "unknown Kafka setting 'sasl.mechanisms' in kafka.client.sasl.mechanisms"
                + " (override of kafka.client.sasl.mechanisms); did you mean 'kafka.client.sasl.mechanism'?");
  }
}
