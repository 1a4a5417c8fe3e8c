package io.tokenmeter.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.config.ConfigLoader;
import io.tokenmeter.config.TokenmeterConfig;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/**
 * TLS settings given to the app as {@code kafka.client.ssl.*} (here as environment variables, as
 * in a container) reach every Kafka client it builds: the admin client that creates topics, and
 * each client inside Kafka Streams. SASL travels the same way; SaslScramIT proves it against a
 * real broker.
 */
class ClientSecuritySettingsTest {

  /** Every TLS key an operator typically sets, as the Kafka clients name them. */
  static final Map<String, String> TLS = Map.of(
      "security.protocol", "SSL",
      "ssl.truststore.location", "/etc/tokenmeter/kafka-truststore.p12",
      "ssl.truststore.type", "PKCS12",
      "ssl.truststore.password", "truststore-secret",
      "ssl.keystore.location", "/etc/tokenmeter/kafka-keystore.p12",
      "ssl.keystore.type", "PKCS12",
      "ssl.keystore.password", "keystore-secret",
      "ssl.key.password", "key-secret",
      "ssl.endpoint.identification.algorithm", "https");

  static TokenmeterConfig configWithTls() {
    Map<String, String> env = new java.util.HashMap<>();
    TLS.forEach((k, v) -> env.put(
        "TOKENMETER_KAFKA_CLIENT_" + k.toUpperCase(java.util.Locale.ROOT).replace('.', '_'), v));
    return ConfigLoader.create().env(env).load();
  }

  @Test
  void tlsSettingsReachEveryClientInsideKafkaStreams() {
    StreamsConfig streams = new StreamsConfig(StreamsProperties.of(configWithTls()));

    assertThat(streams.getMainConsumerConfigs("tokenmeter", "main", 0))
        .as("main consumer")
        .containsAllEntriesOf(TLS);
    assertThat(streams.getRestoreConsumerConfigs("restore"))
        .as("restore consumer")
        .containsAllEntriesOf(TLS);
    assertThat(streams.getGlobalConsumerConfigs("global"))
        .as("global consumer")
        .containsAllEntriesOf(TLS);
    assertThat(streams.getProducerConfigs("producer")).as("producer").containsAllEntriesOf(TLS);
    assertThat(streams.getAdminConfigs("admin"))
        .as("Streams' admin client")
        .containsAllEntriesOf(TLS);
  }

  @Test
  void tlsSettingsReachTheAdminClientThatCreatesTopics() {
    Properties admin = TokenmeterApp.adminProperties(StreamsProperties.of(configWithTls()));

    assertThat(admin).containsAllEntriesOf(TLS);
  }
}
