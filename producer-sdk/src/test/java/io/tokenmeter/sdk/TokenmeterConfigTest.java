package io.tokenmeter.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TokenmeterConfigTest {

  static final String SECRET = "0123456789abcdef0123456789abcdef";

  static Tokenmeter.Builder valid() {
    // Nothing listens on port 1: building must not need a broker.
    return Tokenmeter.builder()
        .bootstrapServers("127.0.0.1:1")
        .service("checkout")
        .environment("test")
        .fingerprintSecret(SECRET);
  }

  @Test
  void validConfigurationBuildsWithoutContactingTheBroker() {
    try (Tokenmeter tm = valid().closeTimeout(Duration.ZERO).build()) {
      assertThat(tm.toString()).contains("topic=llm.calls", "service=checkout", "environment=test");
      assertThat(tm.stats().recorded()).isZero();
    }
  }

  @Test
  void missingRequiredSettingsAreAllNamedInOneMessage() {
    assertThatThrownBy(() -> Tokenmeter.builder().build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bootstrapServers is required")
        .hasMessageContaining("service is required")
        .hasMessageContaining("environment is required")
        .hasMessageContaining("fingerprintSecret is required");
  }

  @Test
  void tooShortSecretIsRejectedWithoutEchoingIt() {
    String shortSecret = "hunter2-but-longer";
    assertThatThrownBy(() -> valid().fingerprintSecret(shortSecret).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fingerprintSecret is too short: 18 bytes, at least 32")
        .message()
        .doesNotContain(shortSecret);
  }

  @Test
  void blankSecretIsRequired() {
    assertThatThrownBy(() -> valid().fingerprintSecret("   ").build())
        .hasMessageContaining("fingerprintSecret is required");
  }

  @Test
  void bootstrapServersMustBeHostAndPort() {
    assertThatThrownBy(() -> valid().bootstrapServers("kafka").build())
        .hasMessageContaining("bootstrapServers: 'kafka' is not host:port");
    assertThatThrownBy(
            () -> valid().bootstrapServers("kafka:9092, kafka2:99999").build())
        .hasMessageContaining("bootstrapServers: 'kafka2:99999'")
        .message()
        .doesNotContain("'kafka:9092'");
  }

  @Test
  void topicMustBeALegalKafkaTopicName() {
    assertThatThrownBy(() -> valid().topic("llm calls").build())
        .hasMessageContaining("topic: 'llm calls' is not a valid Kafka topic name");
    assertThatThrownBy(() -> valid().topic("").build()).hasMessageContaining("topic");
    assertThatThrownBy(() -> valid().topic("..").build()).hasMessageContaining("topic");
  }

  @Test
  void queueCapacityAndTimeoutsAreChecked() {
    assertThatThrownBy(() -> valid().queueCapacity(0).build())
        .hasMessageContaining("queueCapacity must be between 1 and");
    assertThatThrownBy(() -> valid().closeTimeout(Duration.ofSeconds(-1)).build())
        .hasMessageContaining("closeTimeout must be zero or positive");
    assertThatThrownBy(() -> valid().deliveryTimeout(Duration.ofMillis(500)).build())
        .hasMessageContaining("deliveryTimeout must be between 1 s");
    assertThatThrownBy(() -> valid().deliveryTimeout(null).build())
        .hasMessageContaining("deliveryTimeout");
  }

  @Test
  void sdkOwnedProducerPropertiesCannotBeOverridden() {
    assertThatThrownBy(() -> valid().producerProperty("acks", "1").build())
        .hasMessageContaining("producerProperty acks: set by the SDK itself");
    assertThatThrownBy(
            () -> valid().producerProperty("enable.idempotence", false).build())
        .hasMessageContaining("producerProperty enable.idempotence");
    assertThatThrownBy(
            () -> valid().producerProperty("delivery.timeout.ms", 1000).build())
        .hasMessageContaining("use deliveryTimeout(...)");
    assertThatThrownBy(() -> valid().producerProperty("linger.ms", null).build())
        .hasMessageContaining("producerProperty linger.ms: the value must not be null");
  }

  @Test
  void producerPropertiesKafkaRefusesAreReportedByName() {
    assertThatThrownBy(() -> valid().producerProperty("linger.ms", "soon").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Kafka refused the producer settings")
        .hasMessageContaining("linger.ms");
  }

  @Test
  void extraProducerPropertiesAreAccepted() {
    try (Tokenmeter tm = valid()
        .producerProperty("security.protocol", "PLAINTEXT")
        .producerProperty("linger.ms", 5)
        .deliveryTimeout(Duration.ofSeconds(1))
        .closeTimeout(Duration.ZERO)
        .build()) {
      assertThat(tm.stats().dropped()).isZero();
    }
  }

  @Test
  void schemaRegistryUrlMustBeHttp() {
    assertThatThrownBy(() -> valid().schemaRegistryUrl("ftp://registry").build())
        .hasMessageContaining(
            "schemaRegistryUrl: 'ftp://registry' must be an http:// or https:// URL");
  }

  @Test
  void registryCredentialsStayOutOfTheDescription() {
    try (Tokenmeter tm = valid()
        .schemaRegistryUrl("https://user:pa55word@registry:8081")
        .closeTimeout(Duration.ZERO)
        .build()) {
      assertThat(tm.toString()).contains("https://***@registry:8081").doesNotContain("pa55word");
    }
  }
}
