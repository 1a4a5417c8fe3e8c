package io.tokenmeter.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RedactionTest {

  private static final String JAAS =
      "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"svc\" password=\"hunter2-jaas\";";

  private final TokenmeterConfig config = ConfigLoader.create()
      .env(Map.of(
          "TOKENMETER_KAFKA_CLIENT_SASL_JAAS_CONFIG", JAAS,
          "TOKENMETER_KAFKA_CLIENT_SSL_TRUSTSTORE_PASSWORD", "hunter2-truststore",
          "TOKENMETER_KAFKA_CLIENT_SASL_OAUTHBEARER_CLIENT_CREDENTIALS_CLIENT_SECRET",
              "hunter2-oauth",
          "TOKENMETER_KAFKA_CLIENT_BASIC_AUTH_USER_INFO", "svc:hunter2-registry",
          "TOKENMETER_KAFKA_SCHEMA_REGISTRY_URL",
              "https://svc:hunter2-url@registry.example.com:8081",
          "TOKENMETER_KAFKA_CLIENT_SECURITY_PROTOCOL", "SASL_SSL",
          "TOKENMETER_HTTP_AUTH_TOKEN", "hunter2-http"))
      .load();

  @Test
  void describeShowsEverySettingButNoSecret() {
    String description = config.describe();

    assertThat(description)
        .startsWith("Tokenmeter configuration:")
        .contains("kafka.client.sasl.jaas.config = [redacted]")
        .contains("kafka.client.ssl.truststore.password = [redacted]")
        .contains("kafka.client.sasl.oauthbearer.client.credentials.client.secret = [redacted]")
        .contains("kafka.client.basic.auth.user.info = [redacted]")
        .contains("kafka.schema.registry.url = https://[redacted]@registry.example.com:8081")
        .contains("kafka.client.security.protocol = SASL_SSL")
        .contains("http.auth.token = [redacted]")
        .contains("rollup.grace = 2m")
        .contains("kafka.cache.max.bytes = 16MiB")
        .doesNotContain("hunter2");
  }

  @Test
  void toStringOfTheRecordsHidesSecretsToo() {
    assertThat(config.toString()).contains("sasl.jaas.config=[redacted]").doesNotContain("hunter2");
    assertThat(config.kafka().toString()).doesNotContain("hunter2");
    assertThat(config.http().toString())
        .contains("authToken=Optional[[redacted]]")
        .doesNotContain("hunter2");
  }

  @Test
  void theSecretsStillReachKafka() {
    assertThat(config.kafka().streamsProperties().getProperty("sasl.jaas.config"))
        .isEqualTo(JAAS);
    assertThat(config.http().authToken()).hasValue("hunter2-http");
  }

  @Test
  void describedValuesLoadBackToTheSameConfiguration() {
    TokenmeterConfig custom = ConfigLoader.create()
        .override("alerts.rate.limit.1.org", "org-1")
        .override("alerts.rate.limit.1.model", "gpt-4o")
        .override("alerts.rate.limit.1.requests.per.minute", "500")
        .override("alerts.key.allow.list", "0123456789abcdef0123456789abcdef")
        .override("kafka.commit.interval", "1500ms")
        .override("kafka.cache.max.bytes", "1000")
        .override("kafka.client.linger.ms", "5")
        .load();

    Map<String, String> described = ConfigDescription.toProperties(custom, false);

    assertThat(ConfigLoader.create().overrides(described).load()).isEqualTo(custom);
    assertThat(described)
        .containsEntry("kafka.commit.interval", "1500ms")
        .containsEntry("kafka.cache.max.bytes", "1000");
  }

  @Test
  void passwordInABadRegistryUrlIsNotEchoedInTheError() {
    ConfigException e = ConfigFixtures.failureFromEnv(
        "TOKENMETER_KAFKA_SCHEMA_REGISTRY_URL", "htps://svc:hunter2@registry:8081");

    assertThat(e.getMessage())
        .contains("invalid value 'htps://[redacted]@registry:8081' for kafka.schema.registry.url")
        .doesNotContain("hunter2");
  }
}
