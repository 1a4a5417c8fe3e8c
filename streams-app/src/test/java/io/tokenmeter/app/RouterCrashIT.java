package io.tokenmeter.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.schemas.serde.AvroSerializer;
import io.tokenmeter.testkit.FreePorts;
import io.tokenmeter.testkit.junit.SharedBroker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tokenmeter router}, a real child process, is killed with SIGKILL while a delivery is in
 * flight: the receiver has the request and has not answered yet. Three times, at seeded points of
 * a backlog, then the router is restarted on the same group each time.
 *
 * <p>What a crash may cost is a repeat, never a loss: the change that was in flight is sent again
 * after the restart (PagerDuty and Alertmanager de-duplicate by {@code dedup_key} and fingerprint),
 * every change still arrives, first arrivals stay in order per dedup key, nothing is dead-lettered,
 * and the group's committed offsets end at the end of the topic.
 */
class RouterCrashIT {

  private static final String ROUTING_KEY = "router-crash-it-routing-key-0123456789";
  private static final List<String> CRITICAL_KEYS = List.of(
      "unauthorized_key:aaaa", "unauthorized_key:bbbb", "rate_limit_requests:org-1/p:gpt-4o");
  private static final List<String> WARNING_KEYS = List.of(
      "unpriced_model:gpt-x",
      "rate_limit_tokens:org-2:gpt-4o",
      "error_rate:client:gpt-4o:service=web");
  private static final int CHANGES_PER_KEY = 6;
  private static final int KILLS = 3;
  private static final long SEED = 20261127L;
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static final SharedBroker broker = new SharedBroker();

  @TempDir
  Path dir;

  @Test
  void aChangeInFlightAtASigkillIsDeliveredAgainAfterTheRestartAndNothingIsLost() throws Exception {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String alertsTopic = "llm.alerts.crash-" + suffix;
    String deadLetterTopic = "llm.alerts.dlq.crash-" + suffix;
    String group = "router-crash-" + suffix;
    int total = (CRITICAL_KEYS.size() + WARNING_KEYS.size()) * CHANGES_PER_KEY;

    // Seeded arrival numbers at which the receiver takes the request and does not answer.
    Random random = new Random(SEED);
    List<Integer> holdAt = new ArrayList<>();
    for (int k = 0; k < KILLS; k++) {
      int slot = total / (KILLS + 1);
      holdAt.add((k + 1) * slot + random.nextInt(5) - 2);
    }
    Receivers receivers = new Receivers(holdAt);
    HttpServer pagerDuty = receivers.server("/v2/enqueue", "pagerduty", body -> {
      assertThat(body.get("routing_key").asText()).isEqualTo(ROUTING_KEY);
      return new Change(
          body.get("dedup_key").asText(),
          body.get("payload").get("custom_details").get("details").get("seq").asInt());
    });
    HttpServer webhook = receivers.server("/hook", "webhook", body -> {
      JsonNode alert = body.get("alerts").get(0);
      return new Change(
          alert.get("fingerprint").asText(), alert.get("annotations").get("seq").asInt());
    });
    int healthPort = FreePorts.next();
    Map<String, String> config = new TreeMap<>(Map.ofEntries(
        Map.entry("kafka.bootstrap.servers", broker.bootstrapServers()),
        // A killed member holds its partitions until its session expires; the broker's floor is 6
        // s.
        Map.entry("kafka.client.session.timeout.ms", "6000"),
        Map.entry("kafka.client.heartbeat.interval.ms", "1500"),
        Map.entry("topics.alerts", alertsTopic),
        Map.entry("topics.partitions", "3"),
        Map.entry("router.group.id", group),
        Map.entry("topics.alerts.dead.letter", deadLetterTopic),
        Map.entry(
            "router.pagerduty.url",
            "http://127.0.0.1:" + pagerDuty.getAddress().getPort() + "/v2/enqueue"),
        Map.entry("router.pagerduty.routing.key", ROUTING_KEY),
        Map.entry(
            "router.webhook.url", "http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook"),
        Map.entry("router.retry.initial.backoff", "50ms"),
        Map.entry("router.retry.max.backoff", "1s"),
        // The held request must still be open when the kill comes.
        Map.entry("router.request.timeout", "60s"),
        Map.entry("router.route.1.receiver", "pagerduty"),
        Map.entry("router.route.1.severities", "critical"),
        Map.entry("router.route.2.receiver", "webhook"),
        Map.entry("router.route.2.severities", "warning"),
        Map.entry("http.port", Integer.toString(healthPort))));

    try (Admin admin = Admin.create(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      // Three partitions, so that a kill interrupts one key while other partitions have moved on.
      admin.createTopics(List.of(new NewTopic(alertsTopic, 3, (short) 1))).all().get();
      Map<String, List<Integer>> produced = produceBacklog(alertsTopic);
      List<Integer> killedAtArrival = new ArrayList<>();
      Map<TopicPartition, Long> end;

      try (AppProcess page =
          AppProcess.start("page", dir, config, new AppProcess.Launch("router", List.of()))) {
        awaitHealthy(page, healthPort);
        for (int k = 0; k < KILLS; k++) {
          Arrival held = receivers.held(k).get(90, TimeUnit.SECONDS);
          page.kill();
          killedAtArrival.add(held.index());
          receivers.release(k);
          System.out.printf(
              "router crash %d: killed while %s held %s seq %d (arrival %d)%n",
              k, held.receiver(), held.change().dedupKey(), held.change().seq(), held.index());
          page.startProcess();
          awaitHealthy(page, healthPort);
        }

        await("every state change accepted by its receiver")
            .atMost(Duration.ofSeconds(90))
            .untilAsserted(() -> {
              assertThat(receivers.accepted("pagerduty"))
                  .isEqualTo(expected(produced, CRITICAL_KEYS));
              assertThat(receivers.accepted("webhook")).isEqualTo(expected(produced, WARNING_KEYS));
            });
        end = endOffsets(admin, alertsTopic);
        await("the router's committed offsets reach the end of the topic")
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () -> assertThat(committed(admin, group, end.keySet())).isEqualTo(end));
      }

      // At least once: each change that was in flight at a kill reached its receiver again
      // afterwards.
      for (int k = 0; k < KILLS; k++) {
        Arrival held = receivers.arrivals.get(killedAtArrival.get(k) - 1);
        assertThat(receivers.arrivals)
            .as("the change in flight at kill %d, delivered again after the restart", k)
            .anySatisfy(a -> {
              assertThat(a.index()).isGreaterThan(held.index());
              assertThat(a.accepted()).isTrue();
              assertThat(a.receiver()).isEqualTo(held.receiver());
              assertThat(a.change()).isEqualTo(held.change());
            });
      }
      // In order per dedup key: the first arrival of each change, as the receiver saw them.
      assertThat(receivers.firstArrivals("pagerduty")).isEqualTo(expected(produced, CRITICAL_KEYS));
      assertThat(receivers.firstArrivals("webhook")).isEqualTo(expected(produced, WARNING_KEYS));
      assertThat(endOffsets(admin, deadLetterTopic).values())
          .as("nothing dead-lettered")
          .allMatch(o -> o == 0L);
      assertThat(committed(admin, group, end.keySet()))
          .as("committed offsets after the stop")
          .isEqualTo(end);
      long repeats = receivers.arrivals.size() - total;
      System.out.printf(
          "router crash: %d arrivals for %d state changes (%d repeats after %d kills)%n",
          receivers.arrivals.size(), total, repeats, KILLS);
      assertThat(repeats).isGreaterThanOrEqualTo(KILLS);
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError(e.getMessage() + "\npage log " + dir.resolve("page.log"), e);
    } finally {
      receivers.releaseAll();
      pagerDuty.stop(0);
      webhook.stop(0);
      receivers.executor.shutdownNow();
    }
  }

  /** One alert state change: its dedup key and its sequence number in that key's history. */
  record Change(String dedupKey, int seq) {}

  /** One request a receiver got, numbered from 1 across both receivers. */
  record Arrival(int index, String receiver, Change change, boolean accepted) {}

  /**
   * The two HTTP receivers. Each request is numbered; at the numbers in {@code holdAt} the receiver
   * takes the request, tells the test, and answers only once the test releases it (after the kill).
   * The router delivers one request at a time, so a held request stops all delivery.
   */
  private static final class Receivers {
    final List<Arrival> arrivals = new CopyOnWriteArrayList<>();
    final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<Integer> holdAt;
    private final Map<Integer, CompletableFuture<Arrival>> held = new ConcurrentHashMap<>();
    private final Map<Integer, CountDownLatch> releases = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();

    Receivers(List<Integer> holdAt) {
      this.holdAt = List.copyOf(holdAt);
      for (int k = 0; k < holdAt.size(); k++) {
        held.put(k, new CompletableFuture<>());
        releases.put(k, new CountDownLatch(1));
      }
    }

    CompletableFuture<Arrival> held(int k) {
      return held.get(k);
    }

    void release(int k) {
      releases.get(k).countDown();
    }

    void releaseAll() {
      releases.values().forEach(CountDownLatch::countDown);
    }

    HttpServer server(String path, String name, Function<JsonNode, Change> parse)
        throws IOException {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.setExecutor(executor);
      server.createContext(path, exchange -> {
        try (exchange) {
          Change change = parse.apply(JSON.readTree(exchange.getRequestBody().readAllBytes()));
          int hold;
          Arrival arrival;
          synchronized (this) {
            int index = count.incrementAndGet();
            hold = holdAt.indexOf(index);
            arrival = new Arrival(index, name, change, hold < 0);
            arrivals.add(arrival);
          }
          if (hold >= 0) {
            held.get(hold).complete(arrival);
            try {
              releases.get(hold).await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            // The router that sent it is gone; this answer goes nowhere.
            exchange.sendResponseHeaders(503, -1);
            return;
          }
          exchange.sendResponseHeaders(name.equals("pagerduty") ? 202 : 200, -1);
        } catch (RuntimeException | AssertionError e) {
          exchange.sendResponseHeaders(500, -1);
        }
      });
      server.start();
      return server;
    }

    /** Per dedup key, the changes the receiver answered 2xx, without repeats, in first-arrival order. */
    Map<String, List<Integer>> accepted(String receiver) {
      return dedupe(arrivals.stream()
          .filter(a -> a.receiver().equals(receiver) && a.accepted())
          .toList());
    }

    /** Per dedup key, the changes in the order they first reached the receiver, answered or not. */
    Map<String, List<Integer>> firstArrivals(String receiver) {
      return dedupe(arrivals.stream().filter(a -> a.receiver().equals(receiver)).toList());
    }

    private static Map<String, List<Integer>> dedupe(List<Arrival> arrivals) {
      Map<String, Set<Integer>> first = new TreeMap<>();
      arrivals.forEach(a -> first
          .computeIfAbsent(a.change().dedupKey(), k -> new LinkedHashSet<>())
          .add(a.change().seq()));
      Map<String, List<Integer>> result = new TreeMap<>();
      first.forEach((k, v) -> result.put(k, List.copyOf(v)));
      return result;
    }
  }

  private static Map<String, List<Integer>> expected(
      Map<String, List<Integer>> produced, List<String> keys) {
    return keys.stream()
        .collect(Collectors.toMap(k -> k, produced::get, (a, b) -> a, TreeMap::new));
  }

  /** FIRING, RESOLVED, FIRING, ... for every key, interleaved across keys as the app writes them over time. */
  private static Map<String, List<Integer>> produceBacklog(String topic) throws Exception {
    Map<String, List<Integer>> produced = new LinkedHashMap<>();
    AvroSerializer<Alert> serializer =
        new AvroSerializer<>(Alert.class, AvroSerdeConfig.withoutRegistry());
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(),
            ProducerConfig.ACKS_CONFIG,
            "all"),
        new ByteArraySerializer(),
        new ByteArraySerializer())) {
      for (int seq = 0; seq < CHANGES_PER_KEY; seq++) {
        for (String key : CRITICAL_KEYS) {
          send(producer, serializer, topic, key, "critical", seq);
          produced.computeIfAbsent(key, k -> new ArrayList<>()).add(seq);
        }
        for (String key : WARNING_KEYS) {
          send(producer, serializer, topic, key, "warning", seq);
          produced.computeIfAbsent(key, k -> new ArrayList<>()).add(seq);
        }
      }
      producer.flush();
    }
    return produced;
  }

  private static void send(
      KafkaProducer<byte[], byte[]> producer,
      AvroSerializer<Alert> serializer,
      String topic,
      String key,
      String severity,
      int seq)
      throws Exception {
    AlertState state = seq % 2 == 0 ? AlertState.FIRING : AlertState.RESOLVED;
    String type = key.substring(0, key.indexOf(':'));
    Alert alert = Alert.newBuilder()
        .setDedupKey(key)
        .setState(state)
        .setAlertType(type)
        .setSeverity(severity)
        .setScope(new TreeMap<>(Map.of("model", "gpt-4o")))
        .setSummary(type + " " + state + " " + key)
        .setEmittedAt(Instant.parse("2026-11-27T10:10:31Z"))
        .setDetails(new TreeMap<>(Map.of("seq", Integer.toString(seq))))
        .build();
    producer
        .send(new ProducerRecord<>(
            topic, key.getBytes(StandardCharsets.UTF_8), serializer.serialize(topic, alert)))
        .get();
  }

  private static void awaitHealthy(AppProcess page, int port) {
    HttpClient http = HttpClient.newHttpClient();
    await("tokenmeter router answers /health with 200")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> {
          if (!page.isAlive()) {
            throw new IllegalStateException("tokenmeter router exited:\n" + page.logTail());
          }
          try {
            return http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                            .timeout(Duration.ofSeconds(2))
                            .build(),
                        HttpResponse.BodyHandlers.discarding())
                    .statusCode()
                == 200;
          } catch (IOException e) {
            return false;
          }
        });
  }

  private static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) throws Exception {
    Map<TopicPartition, OffsetSpec> request = IntStream.range(0, 3)
        .boxed()
        .collect(Collectors.toMap(p -> new TopicPartition(topic, p), p -> OffsetSpec.latest()));
    Map<TopicPartition, Long> end =
        new TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
    admin
        .listOffsets(request)
        .all()
        .get(30, TimeUnit.SECONDS)
        .forEach((tp, info) -> end.put(tp, info.offset()));
    return end;
  }

  /** The group's committed offsets for {@code partitions}; 0 for one it never committed (an empty one). */
  private static Map<TopicPartition, Long> committed(
      Admin admin, String group, Set<TopicPartition> partitions) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> offsets = admin
        .listConsumerGroupOffsets(group)
        .partitionsToOffsetAndMetadata()
        .get(30, TimeUnit.SECONDS);
    Map<TopicPartition, Long> committed =
        new TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
    for (TopicPartition tp : partitions) {
      OffsetAndMetadata o = offsets.get(tp);
      committed.put(tp, o == null ? 0L : o.offset());
    }
    return committed;
  }
}
