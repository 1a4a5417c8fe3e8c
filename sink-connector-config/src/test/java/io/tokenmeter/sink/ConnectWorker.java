package io.tokenmeter.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenmeter.testkit.FreePorts;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Kafka Connect worker in distributed mode ({@code org.apache.kafka.connect.cli.ConnectDistributed})
 * in a child JVM: its classpath is connect-runtime and connect-json with their dependencies,
 * written at build time by {@code dependency:build-classpath}; plugins come from {@code
 * plugin.path} only. The worker reads the shipped {@code connect-distributed.properties} with the
 * addresses, internal topic settings and plugin path of the test laid over it, and gets {@code env}
 * as its environment, which the shipped connector configurations read through {@code ${env:...}}.
 */
final class ConnectWorker implements AutoCloseable {

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final int port;
  private final Process process;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final Thread shutdownHook;

  private ConnectWorker(Path dir, int port, Process process) {
    this.dir = dir;
    this.port = port;
    this.process = process;
    this.shutdownHook = new Thread(this::stop, "connect-worker-cleanup");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Starts the worker and returns once its REST API answers.
   *
   * @param shippedProperties the sample worker configuration to start from
   * @param overrides laid over it (bootstrap servers, replication factors, plugin path...)
   * @param env extra environment variables of the worker process
   */
  static ConnectWorker start(
      Path shippedProperties, Map<String, String> overrides, Map<String, String> env) {
    try {
      Path dir = Files.createTempDirectory("tokenmeter-connect-");
      int port = FreePorts.next();
      Properties props = new Properties();
      try (Reader r = Files.newBufferedReader(shippedProperties, StandardCharsets.UTF_8)) {
        props.load(r);
      }
      props.putAll(overrides);
      props.put("listeners", "http://127.0.0.1:" + port);
      props.put("rest.advertised.host.name", "127.0.0.1");
      props.put("rest.advertised.port", Integer.toString(port));
      Path config = dir.resolve("connect-distributed.properties");
      try (Writer w = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
        props.store(w, "written by ConnectWorker from " + shippedProperties);
      }
      List<String> cmd = new ArrayList<>();
      cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
      cmd.add("-Xmx512m");
      cmd.add("-Xms64m");
      cmd.add("-XX:+UseSerialGC");
      // Not UTC on purpose: the rows must not depend on the worker's time zone (see
      // sql/schema.sql).
      cmd.add("-Duser.timezone=America/New_York");
      cmd.add("-Djava.awt.headless=true");
      cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=info");
      cmd.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
      cmd.add("-cp");
      cmd.add(classpath());
      cmd.add("org.apache.kafka.connect.cli.ConnectDistributed");
      cmd.add(config.toString());
      ProcessBuilder pb = new ProcessBuilder(cmd)
          .redirectErrorStream(true)
          .redirectOutput(
              ProcessBuilder.Redirect.appendTo(dir.resolve("connect.log").toFile()));
      pb.environment().putAll(env);
      Process process = pb.start();
      process.getOutputStream().close();
      ConnectWorker worker = new ConnectWorker(dir, port, process);
      worker.awaitRestApi();
      return worker;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the Connect worker", e);
    }
  }

  /** The worker's log: read it when a test fails. */
  Path logFile() {
    return dir.resolve("connect.log");
  }

  /** POSTs a create-connector payload ({@code name} + {@code config}) with {@code overrides} laid over its config. */
  String createConnector(Path payloadFile, Map<String, String> overrides) throws IOException {
    ObjectNode payload = (ObjectNode) JSON.readTree(payloadFile.toFile());
    ObjectNode config = (ObjectNode) payload.get("config");
    overrides.forEach(config::put);
    HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/connectors"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(payload)))
        .build());
    if (response.statusCode() != 201) {
      throw new IllegalStateException("creating connector from " + payloadFile + " failed: HTTP "
          + response.statusCode() + " " + response.body());
    }
    return payload.get("name").asText();
  }

  /** {@code GET /connectors/<name>/status}, or null while the worker does not know the connector yet. */
  JsonNode status(String connector) throws IOException {
    HttpResponse<String> response =
        send(HttpRequest.newBuilder(uri("/connectors/" + connector + "/status"))
            .GET()
            .build());
    return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
  }

  /** True once the connector and all its tasks (at least one) are RUNNING. */
  boolean isRunning(String connector) throws IOException {
    JsonNode status = status(connector);
    if (status == null || !"RUNNING".equals(status.at("/connector/state").asText())) {
      return false;
    }
    JsonNode tasks = status.get("tasks");
    if (tasks == null || tasks.isEmpty()) {
      return false;
    }
    for (JsonNode task : tasks) {
      if (!"RUNNING".equals(task.get("state").asText())) {
        return false;
      }
    }
    return true;
  }

  private HttpResponse<String> send(HttpRequest request) throws IOException {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private void awaitRestApi() {
    Instant deadline = Instant.now().plus(READY_TIMEOUT);
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "Connect worker exited with " + process.exitValue() + ":\n" + tail());
      }
      try {
        HttpResponse<String> r = http.send(
            HttpRequest.newBuilder(uri("/connectors"))
                .timeout(Duration.ofSeconds(2))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for Connect", e);
      }
      if (Instant.now().isAfter(deadline)) {
        stop();
        throw new IllegalStateException(
            "Connect REST API not up after " + READY_TIMEOUT.toSeconds() + "s:\n" + tail());
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for Connect", e);
      }
    }
  }

  String tail() {
    try {
      List<String> lines = Files.readAllLines(logFile(), StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(no log at " + logFile() + ")";
    }
  }

  private void stop() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }

  /** Stops the worker and deletes its directory (log included, unless {@code keepLog}). */
  void close(boolean keepLog) {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException | IllegalArgumentException ignored) {
      // Already shutting down.
    }
    if (keepLog) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // Best effort.
    }
  }

  @Override
  public void close() {
    close(false);
  }

  private static String classpath() throws IOException {
    String file = System.getProperty("connect.worker.classpath.file");
    if (file == null || !Files.exists(Path.of(file))) {
      throw new IllegalStateException(
          "connect.worker.classpath.file (" + file + ") missing: run the test through"
              + " Maven (mvn verify -pl sink-connector-config), which writes it");
    }
    return Files.readString(Path.of(file), StandardCharsets.UTF_8).trim();
  }
}
