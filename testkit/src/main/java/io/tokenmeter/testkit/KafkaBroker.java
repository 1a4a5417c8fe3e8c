package io.tokenmeter.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node KRaft Kafka broker (combined broker and controller) running in a child JVM
 * from the Maven Central jars: {@code kafka.tools.StorageTool format --standalone}, then {@code
 * kafka.Kafka}. It binds 127.0.0.1 on free ports, keeps its data in one directory, and can be
 * stopped, killed with SIGKILL and started again on the same data and ports.
 *
 * <p>With {@link Builder#saslScram(String, String)} its client listener takes SASL_PLAINTEXT with
 * SCRAM-SHA-512 only, with {@link Builder#tls()} TLS only (SASL_SSL with both); {@link
 * #clientProperties()} has what a client then needs. {@link
 * KafkaCluster} runs several of these as one cluster.
 *
 * <pre>{@code
 * try (KafkaBroker broker = KafkaBroker.start()) {
 *   String bootstrap = broker.bootstrapServers();
 *   ...
 * }
 * }</pre>
 */
public final class KafkaBroker implements AutoCloseable {

  private static final String CLASSPATH_RESOURCE = "/io/tokenmeter/testkit/broker.classpath";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  private static final String SCRAM_MECHANISM = "SCRAM-SHA-512";
  /**
   * For diagnosing a broker in a failing test: {@code -Dtokenmeter.broker.log.levels=
   * kafka.coordinator.transaction=debug,state.change.logger=info} raises those loggers above WARN.
   */
  static final String LOG_LEVELS_PROPERTY = "tokenmeter.broker.log.levels";

  private final Path dataDir;
  private final boolean ownsDataDir;
  private final int port;
  private final int controllerPort;
  private final String heap;
  private final Map<String, String> overrides;
  private final boolean stopOnJvmExit;
  private final int nodeId;
  private final String quorumVoters;
  private final String clusterId;
  private final List<String> jvmOptions;
  private final Scram scram;
  private final BrokerTls tls;
  private final Thread shutdownHook = new Thread(this::stopOnExit, "kafka-broker-cleanup");
  private volatile Process process;

  private KafkaBroker(Builder b) throws IOException {
    this.ownsDataDir = b.dataDir == null;
    this.dataDir = ownsDataDir ? Files.createTempDirectory("tokenmeter-kafka-") : b.dataDir;
    Files.createDirectories(dataDir);
    this.port = b.port > 0 ? b.port : FreePorts.next();
    int cp = b.controllerPort;
    while (cp <= 0 || cp == port) {
      cp = FreePorts.next();
    }
    this.controllerPort = cp;
    this.heap = b.heap;
    this.overrides = Map.copyOf(b.overrides);
    this.stopOnJvmExit = b.stopOnJvmExit;
    this.nodeId = b.nodeId;
    this.quorumVoters = b.quorumVoters;
    this.clusterId = b.clusterId;
    this.jvmOptions = List.copyOf(b.jvmOptions);
    this.scram = b.scram;
    this.tls = b.tls ? BrokerTls.create(dataDir.resolve("tls")) : null;
  }

  /** A SCRAM user of the client listener, and the one the broker itself logs in as between brokers. */
  private record Scram(String user, String password, String brokerPassword) {

    String jaas(String username, String secret) {
      return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
          + username + "\" password=\"" + secret + "\";";
    }

    @Override
    public String toString() {
      return "Scram[user=" + user + ", password=[hidden]]";
    }
  }

  /** Starts a broker with default settings on a fresh temporary directory, deleted on close. */
  public static KafkaBroker start() {
    return builder().start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** {@code 127.0.0.1:port}, the address clients use. Stable across restarts. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** The KRaft node id: 1 for a single broker, 1..N in a {@link KafkaCluster}. */
  public int nodeId() {
    return nodeId;
  }

  /**
   * What a client needs to connect: {@code bootstrap.servers}, {@code security.protocol} and, with
   * SCRAM, {@code sasl.mechanism} and {@code sasl.jaas.config}, with TLS the trust store ({@code
   * ssl.truststore.*}). The JAAS config and the trust store password are secrets: pass them to
   * clients, never print them.
   */
  public Map<String, String> clientProperties() {
    Map<String, String> props = new LinkedHashMap<>();
    props.put("bootstrap.servers", bootstrapServers());
    props.put("security.protocol", securityProtocol());
    if (scram != null) {
      props.put("sasl.mechanism", SCRAM_MECHANISM);
      props.put("sasl.jaas.config", scram.jaas(scram.user(), scram.password()));
    }
    if (tls != null) {
      props.put("ssl.truststore.location", tls.trustStore().toString());
      props.put("ssl.truststore.type", "PKCS12");
      props.put("ssl.truststore.password", tls.password());
    }
    return props;
  }

  /** The client listener's security protocol, which is also its listener name. */
  private String securityProtocol() {
    if (scram != null) {
      return tls != null ? "SASL_SSL" : "SASL_PLAINTEXT";
    }
    return tls != null ? "SSL" : "PLAINTEXT";
  }

  public Path dataDir() {
    return dataDir;
  }

  /** The child JVM's output, kept across restarts; read it when a test fails. */
  public Path logFile() {
    return dataDir.resolve("broker.log");
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** The operating-system process id of the running broker JVM. */
  public synchronized long pid() {
    requireRunning();
    return process.pid();
  }

  /**
   * Starts the broker JVM (formatting the storage the first time) and returns once it answers
   * a metadata request. After {@link #stop()} or {@link #kill()} it starts again on the same data.
   */
  public synchronized KafkaBroker startProcess() {
    if (isRunning()) {
      return this;
    }
    launch();
    awaitReady();
    return this;
  }

  /**
   * Starts the JVM without waiting for it: the nodes of a {@link KafkaCluster} become ready only
   * once a majority of the controllers runs, so they are all launched first.
   */
  synchronized void launch() {
    if (isRunning()) {
      return;
    }
    try {
      Path config = writeConfig();
      if (!Files.exists(dataDir.resolve("logs").resolve("meta.properties"))) {
        format(config);
      }
      process = java(
          "kafka.Kafka",
          List.of("io.tokenmeter.testkit.internal.ChildBrokerMain", config.toString()));
      if (stopOnJvmExit) {
        Runtime.getRuntime().addShutdownHook(shutdownHook);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start Kafka broker in " + dataDir, e);
    } catch (IllegalArgumentException ignored) {
      // The hook is already registered from an earlier start.
    }
  }

  /** Graceful stop (SIGTERM, controlled shutdown); data stays for a later {@link #startProcess()}. */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    process = null;
  }

  /** SIGKILL, as a crash: no controlled shutdown, no flush. Data stays. */
  public synchronized void kill() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  /** Stops the broker and, when it made the data directory itself, deletes it. */
  @Override
  public synchronized void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException | IllegalArgumentException ignored) {
      // Already shutting down, or never registered.
    }
    if (ownsDataDir) {
      deleteRecursively(dataDir);
    }
  }

  /**
   * Runs when the owning JVM exits without {@link #close()} (Ctrl-C, a test runner ending): a short
   * graceful stop, then SIGKILL. Not synchronized: the main thread may hold the lock.
   */
  void stopOnExit() {
    Process p = process;
    if (p != null) {
      p.destroy();
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
      }
    }
    if (ownsDataDir) {
      deleteRecursively(dataDir);
    }
  }

  private void requireRunning() {
    if (!isRunning()) {
      throw new IllegalStateException("broker is not running");
    }
  }

  private Path writeConfig() throws IOException {
    Map<String, String> props = new LinkedHashMap<>();
    props.put("process.roles", "broker,controller");
    props.put("node.id", Integer.toString(nodeId));
    if (quorumVoters == null) {
      props.put("controller.quorum.bootstrap.servers", "127.0.0.1:" + controllerPort);
    } else {
      props.put("controller.quorum.voters", quorumVoters);
    }
    // The controllers keep the SCRAM credentials in the metadata log and cannot authenticate each
    // other with them, so the controller listener stays PLAINTEXT, on 127.0.0.1 only.
    String client = securityProtocol();
    props.put(
        "listeners", client + "://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    props.put("advertised.listeners", client + "://127.0.0.1:" + port);
    props.put("controller.listener.names", "CONTROLLER");
    props.put("inter.broker.listener.name", client);
    props.put("listener.security.protocol.map", client + ":" + client + ",CONTROLLER:PLAINTEXT");
    if (scram != null) {
      props.put("sasl.enabled.mechanisms", SCRAM_MECHANISM);
      props.put("sasl.mechanism.inter.broker.protocol", SCRAM_MECHANISM);
      props.put(
          "listener.name." + client.toLowerCase(java.util.Locale.ROOT) + "."
              + SCRAM_MECHANISM.toLowerCase(java.util.Locale.ROOT) + ".sasl.jaas.config",
          scram.jaas("broker", scram.brokerPassword()));
    }
    if (tls != null) {
      // The listener's certificate, and the trust the broker needs as a client of its peers.
      props.put("ssl.keystore.location", tls.keyStore().toString());
      props.put("ssl.keystore.type", "PKCS12");
      props.put("ssl.keystore.password", tls.password());
      props.put("ssl.key.password", tls.password());
      props.put("ssl.truststore.location", tls.trustStore().toString());
      props.put("ssl.truststore.type", "PKCS12");
      props.put("ssl.truststore.password", tls.password());
    }
    props.put("log.dirs", dataDir.resolve("logs").toString());
    props.put("num.partitions", "1");
    props.put("offsets.topic.replication.factor", "1");
    props.put("offsets.topic.num.partitions", "4");
    props.put("transaction.state.log.replication.factor", "1");
    props.put("transaction.state.log.min.isr", "1");
    props.put("transaction.state.log.num.partitions", "4");
    props.put("share.coordinator.state.topic.replication.factor", "1");
    props.put("share.coordinator.state.topic.min.isr", "1");
    props.put("group.initial.rebalance.delay.ms", "0");
    props.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
    props.putAll(overrides);
    Properties p = new Properties();
    p.putAll(props);
    Path file = dataDir.resolve("server.properties");
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      p.store(w, "written by tokenmeter testkit");
    }
    return file;
  }

  private void format(Path config) throws IOException {
    List<String> args = new ArrayList<>(List.of(
        "kafka.tools.StorageTool",
        "format",
        "-t",
        clusterId == null ? Uuid.randomUuid().toString() : clusterId,
        "-c",
        config.toString()));
    if (quorumVoters == null) {
      args.add("--standalone");
    }
    if (scram != null) {
      // The users exist before the broker first starts, so no client ever meets a broker without
      // them.
      args.addAll(List.of(
          "--add-scram",
          SCRAM_MECHANISM + "=[name=broker,password=" + scram.brokerPassword() + "]"));
      args.addAll(List.of(
          "--add-scram",
          SCRAM_MECHANISM + "=[name=" + scram.user() + ",password=" + scram.password() + "]"));
    }
    Process p = java("kafka.tools.StorageTool", args);
    try {
      p.getOutputStream().close();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("kafka storage format timed out; see " + logFile());
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            "kafka storage format failed with exit " + p.exitValue() + ":\n" + tail(logFile()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IllegalStateException("interrupted while formatting kafka storage", e);
    }
  }

  /**
   * System property: when {@code true}, child JVMs run with the C1 compiler only. The build sets it
   * for tests; the benchmark harness leaves it unset, so brokers under measurement run as usual.
   */
  public static final String QUICK_JIT_PROPERTY = "tokenmeter.testkit.quickJit";

  private Process java(String what, List<String> mainAndArgs) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx" + heap);
    cmd.add("-Xms64m");
    cmd.add("-XX:+UseSerialGC");
    if (Boolean.getBoolean(QUICK_JIT_PROPERTY)) {
      // A test broker lives seconds to minutes: C2's compiles cost more of the two cores than
      // they earn back (a fifth of the CPU of a broker restart test). Not for benchmarks.
      cmd.add("-XX:TieredStopAtLevel=1");
    }
    cmd.addAll(jvmOptions);
    cmd.add("-Djava.awt.headless=true");
    cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    cmd.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
    cmd.add("-Dlog4j2.level=WARN");
    cmd.addAll(loggerLevelOptions(System.getProperty(LOG_LEVELS_PROPERTY, "")));
    cmd.add("-cp");
    cmd.add(brokerClasspath());
    cmd.addAll(mainAndArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()));
    Files.writeString(
        logFile(),
        "---- " + Instant.now() + " starting " + what + "\n",
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
    return pb.start();
  }

  void awaitReady() {
    Instant deadline = Instant.now().plus(READY_TIMEOUT);
    // Wait for the listener first: an Admin client started earlier logs a warning per retry.
    while (!accepting(port)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("Kafka broker exited with " + process.exitValue()
            + " while starting:\n" + tail(logFile()));
      }
      if (Instant.now().isAfter(deadline)) {
        kill();
        throw new IllegalStateException("Kafka broker not listening after "
            + READY_TIMEOUT.toSeconds() + "s:\n" + tail(logFile()));
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the broker", e);
      }
    }
    Map<String, Object> conf = new LinkedHashMap<>(clientProperties());
    conf.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
    conf.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 4000);
    conf.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
    try (Admin admin = Admin.create(conf)) {
      while (true) {
        if (!process.isAlive()) {
          throw new IllegalStateException("Kafka broker exited with " + process.exitValue()
              + " while starting:\n" + tail(logFile()));
        }
        try {
          admin
              .describeCluster(new DescribeClusterOptions().timeoutMs(3000))
              .nodes()
              .get(4, TimeUnit.SECONDS);
          return;
        } catch (ExecutionException | TimeoutException e) {
          if (Instant.now().isAfter(deadline)) {
            kill();
            throw new IllegalStateException(
                "Kafka broker not ready after " + READY_TIMEOUT.toSeconds() + "s:\n"
                    + tail(logFile()),
                e);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for the broker", e);
        }
      }
    }
  }

  private static boolean accepting(int port) {
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.connect(
          new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** {@code logger=level,...} as slf4j-simple options; the broker logs through slf4j-simple. */
  static List<String> loggerLevelOptions(String spec) {
    List<String> options = new ArrayList<>();
    for (String entry : spec.split(",")) {
      String trimmed = entry.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      int eq = trimmed.indexOf('=');
      if (eq <= 0 || eq == trimmed.length() - 1) {
        throw new IllegalArgumentException(LOG_LEVELS_PROPERTY
            + " takes logger=level pairs separated by commas, got '" + trimmed + "'");
      }
      options.add("-Dorg.slf4j.simpleLogger.log." + trimmed.substring(0, eq).trim() + "="
          + trimmed.substring(eq + 1).trim());
    }
    return options;
  }

  private static String brokerClasspath() {
    try (InputStream in = KafkaBroker.class.getResourceAsStream(CLASSPATH_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            CLASSPATH_RESOURCE + " missing: build the testkit module with Maven first");
      }
      String cp = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
      String self = Paths.get(KafkaBroker.class
              .getProtectionDomain()
              .getCodeSource()
              .getLocation()
              .toURI())
          .toString();
      return self + java.io.File.pathSeparator + cp;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log at " + file + ")";
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // Best effort: a temporary directory left behind is not worth failing a test for.
    }
  }

  /** Settings for a broker; all optional. */
  public static final class Builder {
    private Path dataDir;
    private int port;
    private String heap = "512m";
    private final Map<String, String> overrides = new LinkedHashMap<>();
    private boolean stopOnJvmExit = true;
    private int nodeId = 1;
    private int controllerPort;
    private String quorumVoters;
    private String clusterId;
    private final List<String> jvmOptions = new ArrayList<>();
    private Scram scram;
    private boolean tls;

    private Builder() {}

    /**
     * The client listener accepts only TLS, with a self-signed certificate for 127.0.0.1 made at
     * creation; {@link KafkaBroker#clientProperties()} names the trust store that holds it.
     * With {@link #saslScram(String, String)} too, the listener is SASL_SSL.
     */
    public Builder tls() {
      this.tls = true;
      return this;
    }

    /**
     * The client listener accepts only SASL_PLAINTEXT with SCRAM-SHA-512, and {@code user} exists
     * with {@code password} from the start. The password must not contain {@code , ] "} or a
     * backslash (the storage tool's and JAAS syntax); it never appears in the broker's log.
     */
    public Builder saslScram(String user, String password) {
      for (String value : List.of(user, password)) {
        if (value.isEmpty()
            || value
                .chars()
                .anyMatch(c -> ",]\"\\=[".indexOf(c) >= 0 || Character.isWhitespace(c))) {
          throw new IllegalArgumentException(
              "SCRAM user and password must be non-empty, without whitespace or any of , ] [ = \" \\");
        }
      }
      this.scram = new Scram(user, password, Uuid.randomUuid().toString());
      return this;
    }

    /** The node's place in a {@link KafkaCluster}: its id, the shared voters and cluster id. */
    Builder clusterNode(int nodeId, int controllerPort, String quorumVoters, String clusterId) {
      this.nodeId = nodeId;
      this.controllerPort = controllerPort;
      this.quorumVoters = quorumVoters;
      this.clusterId = clusterId;
      return this;
    }

    /** Extra options of the broker JVM, after the defaults. */
    Builder jvmOption(String option) {
      jvmOptions.add(option);
      return this;
    }

    /** Creates the broker without starting it. */
    KafkaBroker create() {
      try {
        return new KafkaBroker(this);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /**
     * Whether a JVM exit hook stops the broker (default true). An owner that closes the broker
     * itself during shutdown, after its clients, turns this off so the broker is not stopped
     * under them; the child still exits if this JVM dies.
     */
    public Builder stopOnJvmExit(boolean stopOnJvmExit) {
      this.stopOnJvmExit = stopOnJvmExit;
      return this;
    }

    /** Keep data here (created if absent, never deleted). Default: a temporary directory. */
    public Builder dataDir(Path dataDir) {
      this.dataDir = dataDir;
      return this;
    }

    /** Client port on 127.0.0.1. Default: a free one. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0..65535, was " + port);
      }
      this.port = port;
      return this;
    }

    /** Maximum heap of the broker JVM, as for -Xmx. Default 512m. */
    public Builder heap(String heap) {
      this.heap = heap;
      return this;
    }

    /** Any broker property, applied over the defaults. */
    public Builder brokerProperty(String key, String value) {
      overrides.put(key, value);
      return this;
    }

    /** Creates the broker and starts it. */
    public KafkaBroker start() {
      return create().startProcess();
    }
  }
}
