package io.tokenmeter.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@code bin/tokenmeter broker} as a person would: a real process, stopped with SIGTERM. */
class LauncherIT {

  private static final Path REPO_ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  void brokerCommandPrintsAReachableBootstrapAddressAndStopsCleanlyOnSigterm(@TempDir Path dir)
      throws Exception {
    Path dataDir = dir.resolve("kafka");
    Process process = new ProcessBuilder(
            REPO_ROOT.resolve("bin/tokenmeter").toString(),
            "broker",
            "--data-dir",
            dataDir.toString())
        .directory(REPO_ROOT.toFile())
        .redirectError(dir.resolve("stderr.txt").toFile())
        .start();
    try (BufferedReader stdout = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String bootstrap =
          CompletableFuture.supplyAsync(() -> readLine(stdout)).get(3, TimeUnit.MINUTES);
      assertThat(bootstrap)
          .as(Files.readString(dir.resolve("stderr.txt")))
          .matches("127\\.0\\.0\\.1:\\d+");

      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
        assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
      }

      process.destroy();
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      int port = Integer.parseInt(bootstrap.substring(bootstrap.indexOf(':') + 1));
      await().atMost(Duration.ofSeconds(30)).until(() -> !listening(port));
      assertThat(dataDir.resolve("logs/meta.properties"))
          .as("--data-dir is kept")
          .exists();
    } finally {
      process.destroyForcibly();
    }
  }

  private static String readLine(BufferedReader reader) {
    try {
      return reader.readLine();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
