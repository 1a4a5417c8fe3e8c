package io.tokenmeter.app;

import io.tokenmeter.testkit.KafkaBroker;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real broker whose only client listener is TLS, with a self-signed certificate: the app (with
 * the alert router) and the producer SDK, given the trust store through configuration alone,
 * carry calls end to end to exact rollups, and the trust store password never appears in the
 * app's output.
 */
class TlsIT {

  @TempDir
  Path dir;

  @Test
  void appRouterAndSdkConfiguredForTlsCarryCallsEndToEnd() throws Exception {
    try (KafkaBroker broker = KafkaBroker.builder().tls().start()) {
      Map<String, String> client = broker.clientProperties();
      Map<String, String> app = Map.of(
          "kafka.client.security.protocol",
          "SSL",
          "kafka.client.ssl.truststore.location",
          client.get("ssl.truststore.location"),
          "kafka.client.ssl.truststore.type",
          "PKCS12",
          "kafka.client.ssl.truststore.password",
          client.get("ssl.truststore.password"));
      SaslScramIT.endToEnd(
          broker,
          app,
          List.of(client.get("ssl.truststore.password")),
          "kafka.client.ssl.truststore.password = [redacted]",
          dir);
    }
  }
}
