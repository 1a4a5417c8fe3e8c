package io.tokenmeter.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.config.ConfigLoader;
import io.tokenmeter.config.TokenmeterConfig;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The alert router ({@code tokenmeter router}, or {@code run} with {@code router.enabled}) connects
 * its consumer, dead-letter producer and admin client with the same {@code kafka.client.*} TLS and
 * SASL settings as the streams app. SaslScramIT proves SASL end to end against a real broker.
 */
class RouterClientSecurityTest {

  private static final Map<String, String> TLS = Map.of(
      "security.protocol", "SASL_SSL",
      "sasl.mechanism", "SCRAM-SHA-512",
      "sasl.jaas.config",
          "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"p\";",
      "ssl.truststore.location", "/etc/tokenmeter/kafka-truststore.p12",
      "ssl.truststore.password", "truststore-secret",
      "ssl.keystore.location", "/etc/tokenmeter/kafka-keystore.p12",
      "ssl.keystore.password", "keystore-secret",
      "ssl.key.password", "key-secret");

  @Test
  void consumerProducerAndAdminOfTheRouterGetTheClientSecuritySettings() {
    Map<String, String> env = new HashMap<>();
    TLS.forEach((k, v) ->
        env.put("TOKENMETER_KAFKA_CLIENT_" + k.toUpperCase(Locale.ROOT).replace('.', '_'), v));
    env.put("TOKENMETER_ROUTER_WEBHOOK_URL", "http://127.0.0.1:1/hook");
    TokenmeterConfig config = ConfigLoader.create().env(env).load();
    AlertRouter router = new AlertRouter(config, List.of(), Clock.systemUTC(), () -> 0.0);

    assertThat(router.consumerProperties()).as("consumer").containsAllEntriesOf(TLS);
    assertThat(router.producerProperties()).as("dead-letter producer").containsAllEntriesOf(TLS);
    assertThat(router.adminProperties()).as("admin client").containsAllEntriesOf(TLS);
  }
}
