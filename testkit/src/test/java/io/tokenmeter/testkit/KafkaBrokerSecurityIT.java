package io.tokenmeter.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.Test;

class KafkaBrokerSecurityIT {

  private static final String PASSWORD = "s3cret-scram-pw";

  @Test
  void scramBrokerAcceptsItsUserRefusesAWrongPasswordAndNeverLogsThePassword() throws Exception {
    try (KafkaBroker broker = KafkaBroker.builder().saslScram("alice", PASSWORD).start()) {
      Map<String, String> client = broker.clientProperties();
      assertThat(client)
          .containsEntry("security.protocol", "SASL_PLAINTEXT")
          .containsEntry("sasl.mechanism", "SCRAM-SHA-512");

      try (Admin admin = Admin.create(new HashMap<>(client))) {
        admin
            .createTopics(List.of(new NewTopic("t", 1, (short) 1)))
            .all()
            .get(60, TimeUnit.SECONDS);
        assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("t");
      }

      Map<String, Object> wrong = new HashMap<>(client);
      wrong.put(
          "sasl.jaas.config", client.get("sasl.jaas.config").replace(PASSWORD, "not-the-password"));
      try (Admin admin = Admin.create(wrong)) {
        assertThatThrownBy(() -> admin.listTopics().names().get(30, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .cause()
            .isInstanceOf(SaslAuthenticationException.class);
      }

      Map<String, Object> plaintext = Map.of(
          "bootstrap.servers",
          broker.bootstrapServers(),
          "default.api.timeout.ms",
          5000,
          "request.timeout.ms",
          2000);
      try (Admin admin = Admin.create(plaintext)) {
        assertThatThrownBy(() -> admin.listTopics().names().get(30, TimeUnit.SECONDS))
            .as("a client without SASL gets nothing")
            .isInstanceOf(Exception.class);
      }
      assertThat(Files.readString(broker.logFile(), StandardCharsets.UTF_8).contains(PASSWORD))
          .as("the password is in broker.log")
          .isFalse();
    }
  }

  @Test
  void tlsBrokerServesClientsThatTrustItsCertificateOnly() throws Exception {
    try (KafkaBroker broker = KafkaBroker.builder().tls().start()) {
      Map<String, String> client = broker.clientProperties();
      assertThat(client)
          .containsEntry("security.protocol", "SSL")
          .containsKey("ssl.truststore.location");
      try (Admin admin = Admin.create(new HashMap<>(client))) {
        admin
            .createTopics(List.of(new NewTopic("t", 1, (short) 1)))
            .all()
            .get(60, TimeUnit.SECONDS);
      }
      Map<String, Object> untrusting = new HashMap<>(client);
      untrusting.keySet().removeIf(k -> k.startsWith("ssl.truststore"));
      try (Admin admin = Admin.create(untrusting)) {
        assertThatThrownBy(() -> admin.listTopics().names().get(30, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .cause()
            .isInstanceOf(org.apache.kafka.common.errors.SslAuthenticationException.class);
      }
    }
  }

  @Test
  void scramPasswordThatTheStorageToolCannotParseIsRefusedUpFront() {
    assertThatThrownBy(() -> KafkaBroker.builder().saslScram("alice", "a,b]"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("a,b]");
  }
}
