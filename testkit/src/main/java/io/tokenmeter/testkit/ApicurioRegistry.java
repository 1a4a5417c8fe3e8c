package io.tokenmeter.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Apicurio Registry (the Quarkus app from Maven Central, unpacked by the testkit build) in
 * a child JVM on 127.0.0.1 and a free port, with in-memory storage, so every start is empty. Its
 * Confluent-compatible API is what the Avro serde talks to.
 *
 * <pre>{@code
 * try (ApicurioRegistry registry = ApicurioRegistry.start()) {
 *   AvroSerdeConfig avro = AvroSerdeConfig.withRegistry(registry.ccompatUrl());
 *   ...
 * }
 * }</pre>
 */
public final class ApicurioRegistry implements AutoCloseable {

  /** Overrides where the runner jar is; by default the testkit build's own unpacked copy. */
  public static final String RUNNER_JAR_PROPERTY = "apicurio.runner.jar";

  private static final String LOCATION_RESOURCE = "/io/tokenmeter/testkit/apicurio.location";
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
  public static ApicurioRegistry start() {
    Path jar = runnerJar();
    int port = FreePorts.next();
    Path log = jar.getParent().resolve("registry-" + port + ".log");
    List<String> command = List.of(
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
      Process process = new ProcessBuilder(command)
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
  public String ccompatUrl() {
    return "http://127.0.0.1:" + port + "/apis/ccompat/v7";
  }

  /** The child JVM's output; read it when a test fails. */
  public Path log() {
    return log;
  }

  /**
   * The system property if set, else the path the testkit build wrote at build time. The build
   * unpacks the jar only in its pre-integration-test phase (skipped by -DskipITs), so a missing
   * file names the step that did not run.
   */
  private static Path runnerJar() {
    String configured = System.getProperty(RUNNER_JAR_PROPERTY);
    if (configured == null || configured.isBlank()) {
      try (InputStream in = ApicurioRegistry.class.getResourceAsStream(LOCATION_RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException(
              LOCATION_RESOURCE + " missing from the testkit jar; build testkit with Maven");
        }
        configured = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    Path jar = Path.of(configured);
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          "no Apicurio runner jar at " + jar + "; build testkit with 'mvn verify'"
              + " (its pre-integration-test phase fetches and unpacks the registry), or set -D"
              + RUNNER_JAR_PROPERTY);
    }
    return jar;
  }

  private void awaitReady() {
    HttpClient http =
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest subjects = HttpRequest.newBuilder(URI.create(ccompatUrl() + "/subjects"))
        .timeout(Duration.ofSeconds(5))
        .build();
    Instant deadline = Instant.now().plus(READY_TIMEOUT);
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException("Apicurio Registry exited with " + process.exitValue()
            + " while starting; log: " + log);
      }
      try {
        if (http.send(subjects, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for Apicurio Registry", e);
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("Apicurio Registry not ready after "
            + READY_TIMEOUT.toSeconds() + "s on port " + port + "; log: " + log);
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for Apicurio Registry", e);
      }
    }
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
}
