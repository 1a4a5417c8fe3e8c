package io.tokenmeter.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A real Kafka cluster of N KRaft nodes, each a {@link KafkaBroker} in its own child JVM (broker
 * and controller combined, every node a voter), on 127.0.0.1 free ports. Topics default to
 * replication factor 3 with {@code min.insync.replicas} 2, the internal topics (offsets,
 * transactions) too: with three nodes, one can crash and every acknowledged write survives while
 * the other two keep the quorum and accept writes.
 *
 * <pre>{@code
 * try (KafkaCluster cluster = KafkaCluster.start(3)) {
 *   String bootstrap = cluster.bootstrapServers();
 *   cluster.node(2).kill();
 *   ...
 * }
 * }</pre>
 */
public final class KafkaCluster implements AutoCloseable {

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
  // Three brokers, an app and the test share two cores: small heaps, no C2 compiler.
  private static final String NODE_HEAP = "384m";

  private final Path dataDir;
  private final List<KafkaBroker> nodes;
  private final Thread shutdownHook = new Thread(this::stopOnExit, "kafka-cluster-cleanup");

  private KafkaCluster(Path dataDir, List<KafkaBroker> nodes) {
    this.dataDir = dataDir;
    this.nodes = List.copyOf(nodes);
  }

  /**
   * Starts {@code size} nodes (at least 3, so that losing one keeps a majority of controllers) and
   * returns once all of them are registered brokers.
   */
  public static KafkaCluster start(int size) {
    if (size < 3) {
      throw new IllegalArgumentException(
          "a cluster that survives a crash needs at least 3 nodes, got " + size);
    }
    Path dir;
    try {
      dir = Files.createTempDirectory("tokenmeter-kafka-cluster-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Integer> controllerPorts = new ArrayList<>();
    while (controllerPorts.size() < size) {
      int port = FreePorts.next();
      if (!controllerPorts.contains(port)) {
        controllerPorts.add(port);
      }
    }
    String voters = java.util.stream.IntStream.range(0, size)
        .mapToObj(i -> (i + 1) + "@127.0.0.1:" + controllerPorts.get(i))
        .collect(Collectors.joining(","));
    String clusterId = Uuid.randomUuid().toString();
    String replication = Integer.toString(Math.min(size, 3));
    List<KafkaBroker> nodes = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      int port;
      do {
        port = FreePorts.next();
      } while (controllerPorts.contains(port));
      nodes.add(KafkaBroker.builder()
          .dataDir(dir.resolve("node-" + (i + 1)))
          .port(port)
          .heap(NODE_HEAP)
          .jvmOption("-XX:TieredStopAtLevel=1")
          // The cluster's hook stops all nodes at once; one by one, the last would wait for a
          // quorum.
          .stopOnJvmExit(false)
          .clusterNode(i + 1, controllerPorts.get(i), voters, clusterId)
          .brokerProperty("num.partitions", "3")
          .brokerProperty("default.replication.factor", replication)
          .brokerProperty("min.insync.replicas", "2")
          .brokerProperty("offsets.topic.replication.factor", replication)
          .brokerProperty("transaction.state.log.replication.factor", replication)
          .brokerProperty("transaction.state.log.min.isr", "2")
          .brokerProperty("share.coordinator.state.topic.replication.factor", replication)
          .brokerProperty("share.coordinator.state.topic.min.isr", "2")
          // A crashed node's replicas leave the ISR after this long; the default 30 s stalls
          // acks=all writes for as long.
          .brokerProperty("replica.lag.time.max.ms", "10000")
          .brokerProperty("broker.heartbeat.interval.ms", "1000")
          .brokerProperty("broker.session.timeout.ms", "6000")
          .create());
    }
    KafkaCluster cluster = new KafkaCluster(dir, nodes);
    Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
    try {
      nodes.forEach(KafkaBroker::launch);
      nodes.forEach(KafkaBroker::awaitReady);
      cluster.awaitBrokers(size);
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /** Every node's {@code 127.0.0.1:port}, comma-separated; clients find the live ones. */
  public String bootstrapServers() {
    return nodes.stream().map(KafkaBroker::bootstrapServers).collect(Collectors.joining(","));
  }

  /** The node with KRaft node id {@code id}, 1 to {@link #size()}: to kill, stop or restart it. */
  public KafkaBroker node(int id) {
    if (id < 1 || id > nodes.size()) {
      throw new IllegalArgumentException("node ids are 1.." + nodes.size() + ", got " + id);
    }
    return nodes.get(id - 1);
  }

  public int size() {
    return nodes.size();
  }

  public List<KafkaBroker> nodes() {
    return nodes;
  }

  /** Kills every node (the data is deleted anyway) and deletes the data directory. */
  @Override
  public void close() {
    // SIGKILL, all at once: nodes stopped one by one would each wait for a quorum that is leaving.
    nodes.forEach(KafkaBroker::kill);
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException | IllegalArgumentException ignored) {
      // Already shutting down.
    }
    deleteRecursively(dataDir);
  }

  private void stopOnExit() {
    nodes.parallelStream().forEach(KafkaBroker::stopOnExit);
    deleteRecursively(dataDir);
  }

  private void awaitBrokers(int size) {
    Instant deadline = Instant.now().plus(READY_TIMEOUT);
    Map<String, Object> conf = Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
    try (Admin admin = Admin.create(conf)) {
      while (true) {
        try {
          if (admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size() >= size) {
            return;
          }
        } catch (ExecutionException | TimeoutException e) {
          // Not yet: the brokers register once the controllers have a leader.
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for the cluster", e);
        }
        if (Instant.now().isAfter(deadline)) {
          throw new IllegalStateException("cluster of " + size + " nodes not registered after "
              + READY_TIMEOUT.toSeconds() + "s; logs under " + dataDir);
        }
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for the cluster", e);
        }
      }
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // Best effort: a temporary directory left behind is not worth failing a test for.
    }
  }
}
