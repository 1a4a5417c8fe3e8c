package io.tokenmeter.schemas.serde;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Apicurio Registry (the Quarkus app from Maven Central, unpacked by the build) in a child
 * JVM on 127.0.0.1 and a free port, with in-memory storage, so every start is empty.
 */
final class ApicurioRegistry implements AutoCloseable {

  /** Set by the failsafe configuration in schemas/pom.xml. */
  static final String RUNNER_JAR_PROPERTY = "apicurio.runner.jar";

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

  private final Process process;
  private final int port;
  private final Path log;
  private final Thread killOnExit;

  private ApicurioRegistry(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
    this.killOnExit = new Thread(process::destroyForcibly, "apicurio-registry-kill");
    Runtime.getRuntime().addShutdownHook(killOnExit);
  }

  /** Starts the registry and returns once its ccompat API answers. */
  static ApicurioRegistry start() {
    String jarProperty = System.getProperty(RUNNER_JAR_PROPERTY);
    if (jarProperty == null) {
      throw new IllegalStateException(
          RUNNER_JAR_PROPERTY + " is not set; run this test through 'mvn verify' (failsafe)");
    }
    Path jar = Path.of(jarProperty);
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("no Apicurio runner jar at " + jar + "; the unpack step did not run");
    }
    int port = freePort();
    Path log = jar.getParent().resolve("registry-" + port + ".log");
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            // Modest: the machine is shared, and an empty registry needs little.
            "-Xmx512m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-Dquarkus.http.host=127.0.0.1",
            "-Dquarkus.http.port=" + port,
            "-Dapicurio.storage.kind=sql",
            "-Dapicurio.storage.sql.kind=h2",
            "-Dapicurio.datasource.url=jdbc:h2:mem:registry",
            "-Dapicurio.datasource.jdbc.initial-size=1",
            "-Dapicurio.datasource.jdbc.min-size=1",
            "-jar",
            jar.toString());
    try {
      Process process =
          new ProcessBuilder(command)
              .directory(jar.getParent().toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      ApicurioRegistry registry = new ApicurioRegistry(process, port, log);
      try {
        registry.awaitReady();
      } catch (RuntimeException | Error e) {
        registry.close();
        throw e;
      }
      return registry;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start Apicurio Registry from " + jar, e);
    }
  }

  /** Base URL of the Confluent-compatible API, as the serde's registry URL. */
  String ccompatUrl() {
    return "http://127.0.0.1:" + port + "/apis/ccompat/v7";
  }

  Path log() {
    return log;
  }

  private void awaitReady() {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest subjects =
        HttpRequest.newBuilder(URI.create(ccompatUrl() + "/subjects"))
            .timeout(Duration.ofSeconds(5))
            .build();
    await("Apicurio Registry ready on port " + port + " (log: " + log + ")")
        .atMost(READY_TIMEOUT)
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new IllegalStateException(
                    "Apicurio Registry exited with " + process.exitValue() + "; log: " + log);
              }
              try {
                return http.send(subjects, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
              } catch (IOException e) {
                return false;
              }
            });
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(killOnExit);
      } catch (IllegalStateException ignored) {
        // The JVM is already shutting down; the hook does the same.
      }
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    }
  }
}
