package io.tokenmeter.sdk.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * TLS and SASL settings given through {@code producerProperty} reach the SDK's Kafka producer
 * unchanged, and the producer's own configuration accepts them. SaslScramIT (streams-app) sends
 * through the SDK to a real SCRAM broker.
 */
class ProducerSettingsTest {

  private static final Map<String, Object> SECURITY = Map.of(
      "security.protocol", "SASL_SSL",
      "sasl.mechanism", "SCRAM-SHA-512",
      "sasl.jaas.config",
          "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"p\";",
      "ssl.truststore.location", "/etc/app/kafka-truststore.p12",
      "ssl.truststore.type", "PKCS12",
      "ssl.truststore.password", "truststore-secret",
      "ssl.keystore.location", "/etc/app/kafka-keystore.p12",
      "ssl.keystore.password", "keystore-secret",
      "ssl.key.password", "key-secret",
      "ssl.endpoint.identification.algorithm", "https");

  @Test
  void tlsAndSaslSettingsReachTheProducer() {
    Map<String, Object> config = ProducerSettings.build(
        "kafka:9093", "tokenmeter-sdk-checkout", Duration.ofMinutes(2), SECURITY);

    assertThat(config).containsAllEntriesOf(SECURITY);
    // The SDK passes its serializers as objects; classes stand in for them here.
    Map<String, Object> withSerializers = new java.util.HashMap<>(config);
    withSerializers.put("key.serializer", StringSerializer.class);
    withSerializers.put("value.serializer", StringSerializer.class);
    ProducerConfig parsed = new ProducerConfig(withSerializers);
    assertThat(parsed.getString("security.protocol")).isEqualTo("SASL_SSL");
    assertThat(parsed.getString("ssl.truststore.location"))
        .isEqualTo("/etc/app/kafka-truststore.p12");
    assertThat(parsed.getPassword("ssl.truststore.password"))
        .isEqualTo(new Password("truststore-secret"));
    assertThat(parsed.getPassword("sasl.jaas.config").value()).contains("ScramLoginModule");
  }
}
