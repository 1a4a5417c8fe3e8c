package io.tokenmeter.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;

/**
 * A self-signed certificate for 127.0.0.1 in a PKCS12 key store for the broker, and a trust store
 * holding just that certificate for its clients, made with the JDK's {@code keytool}: no
 * certificate files in the repository, none that expire between builds.
 */
record BrokerTls(Path keyStore, Path trustStore, String password) {

  static BrokerTls create(Path dir) {
    try {
      Files.createDirectories(dir);
      BrokerTls tls = new BrokerTls(
          dir.resolve("broker.p12"),
          dir.resolve("truststore.p12"),
          Uuid.randomUuid().toString());
      Path cert = dir.resolve("broker.pem");
      for (Path p : List.of(tls.keyStore, tls.trustStore, cert)) {
        Files.deleteIfExists(p);
      }
      tls.keytool(
          "-genkeypair",
          "-alias",
          "broker",
          "-keyalg",
          "RSA",
          "-keysize",
          "2048",
          "-validity",
          "30",
          "-dname",
          "CN=127.0.0.1",
          "-ext",
          "SAN=ip:127.0.0.1,dns:localhost",
          "-keystore",
          tls.keyStore.toString(),
          "-storetype",
          "PKCS12",
          "-storepass",
          tls.password);
      tls.keytool(
          "-exportcert",
          "-rfc",
          "-alias",
          "broker",
          "-file",
          cert.toString(),
          "-keystore",
          tls.keyStore.toString(),
          "-storetype",
          "PKCS12",
          "-storepass",
          tls.password);
      tls.keytool(
          "-importcert",
          "-noprompt",
          "-alias",
          "broker",
          "-file",
          cert.toString(),
          "-keystore",
          tls.trustStore.toString(),
          "-storetype",
          "PKCS12",
          "-storepass",
          tls.password);
      return tls;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a TLS certificate in " + dir, e);
    }
  }

  private void keytool(String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      p.getOutputStream().close();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException(
            "keytool " + args[0] + " failed: " + output.replace(password, "[hidden]"));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IllegalStateException("interrupted while running keytool", e);
    }
  }

  @Override
  public String toString() {
    return "BrokerTls[keyStore=" + keyStore + ", trustStore=" + trustStore + ", password=[hidden]]";
  }
}
