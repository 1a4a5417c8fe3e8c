package io.tokenmeter.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tokenmeter.config.ConfigLoader;
import io.tokenmeter.config.TokenmeterConfig;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.schemas.serde.AvroSerializer;
import io.tokenmeter.testkit.junit.SharedBroker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The router against a real broker and real HTTP receivers on 127.0.0.1: a backlog of alert state
 * changes reaches PagerDuty (critical) and the webhook (warnings) in order per dedup key, through
 * 503s, a 429 with Retry-After, a PagerDuty outage during which the router is restarted, and a 400
 * that sends one alert to the dead-letter topic while the router moves on.
 */
class AlertRouterIT {

  private static final String ROUTING_KEY = "it-routing-key-0123456789abcdef";
  private static final List<String> CRITICAL_KEYS = List.of(
      "unauthorized_key:aaaa", "unauthorized_key:bbbb", "rate_limit_requests:org-1/p:gpt-4o");
  private static final List<String> WARNING_KEYS = List.of(
      "unpriced_model:gpt-x",
      "rate_limit_tokens:org-2:gpt-4o",
      "error_rate:client:gpt-4o:service=web");
  private static final String POISON_KEY = "unpriced_model:poison";
  private static final int CHANGES_PER_KEY = 4;

  @RegisterExtension
  static final SharedBroker broker = new SharedBroker();

  @Test
  void everyStateChangeReachesItsReceiverInOrderThroughFailuresThrottlingAndARestart()
      throws Exception {
    // PagerDuty: two 503s, then accepts 4 events, then is down until the test brings it back.
    AtomicInteger pagerDutyFailuresLeft = new AtomicInteger(2);
    AtomicInteger pagerDutyQuota = new AtomicInteger(4);
    AtomicInteger pagerDutyRefusedDuringOutage = new AtomicInteger();
    List<Received> pagerDuty = new CopyOnWriteArrayList<>();
    // Webhook: its first request (poison aside) gets 429 with Retry-After: 1; the poison FIRING
    // gets 400.
    AtomicInteger webhookThrottlesLeft = new AtomicInteger(1);
    List<Received> webhook = new CopyOnWriteArrayList<>();
    List<Received> webhookThrottled = new CopyOnWriteArrayList<>();

    HttpServer pagerDutyServer = server("/v2/enqueue", body -> {
      JsonNode event = read(body);
      assertThat(event.get("routing_key").asText()).isEqualTo(ROUTING_KEY);
      if (pagerDutyFailuresLeft.getAndDecrement() > 0) {
        return new Answer(503, "{\"status\":\"unavailable\"}", null);
      }
      if (pagerDutyQuota.getAndDecrement() <= 0) {
        pagerDutyRefusedDuringOutage.incrementAndGet();
        return new Answer(503, "{\"status\":\"unavailable\"}", null);
      }
      pagerDuty.add(new Received(
          event.get("dedup_key").asText(),
          event.get("payload").get("custom_details").get("details").get("seq").asInt(),
          event.get("event_action").asText(),
          System.nanoTime()));
      return new Answer(
          202,
          "{\"status\":\"success\",\"message\":\"Event processed\",\"dedup_key\":\""
              + event.get("dedup_key").asText() + "\"}",
          null);
    });
    HttpServer webhookServer = server("/hook", body -> {
      JsonNode alert = read(body).get("alerts").get(0);
      Received received = new Received(
          alert.get("fingerprint").asText(),
          alert.get("annotations").get("seq").asInt(),
          alert.get("status").asText(),
          System.nanoTime());
      if (!received.dedupKey().equals(POISON_KEY) && webhookThrottlesLeft.getAndDecrement() > 0) {
        webhookThrottled.add(received);
        return new Answer(429, "{\"error\":\"slow down\"}", "1");
      }
      if (received.dedupKey().equals(POISON_KEY) && received.action().equals("firing")) {
        return new Answer(400, "{\"error\":\"poison is not welcome here\"}", null);
      }
      webhook.add(received);
      return new Answer(200, "", null);
    });
    try {
      TokenmeterConfig config = config(pagerDutyServer, webhookServer);
      try (Admin admin = Admin.create(
          Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
        // Three partitions, so that some dedup keys wait on PagerDuty while others flow.
        admin
            .createTopics(List.of(new NewTopic(config.topics().alerts(), 3, (short) 1)))
            .all()
            .get();
      }
      Map<String, List<String>> produced = produceBacklog(config);

      AlertRouter first = AlertRouter.create(config).start();
      // Mid-backlog: PagerDuty took its 4 events and now refuses; the router is in backoff.
      // The throttled alert is retried by this router, so that its Retry-After is measured here.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> pagerDuty.size() == 4
              && pagerDutyRefusedDuringOutage.get() >= 2
              && !webhookThrottled.isEmpty()
              && webhook.stream().anyMatch(r -> r.sameChange(webhookThrottled.get(0))));
      assertThat(first.close(Duration.ofSeconds(15)))
          .as("closes while waiting in backoff")
          .isTrue();
      int deliveredBeforeRestart = pagerDuty.size() + webhook.size();

      pagerDutyQuota.set(Integer.MAX_VALUE);
      try (AlertRouter second = AlertRouter.create(config).start()) {
        await()
            .atMost(Duration.ofSeconds(40))
            .until(() -> deduplicated(pagerDuty).equals(expected(produced, CRITICAL_KEYS))
                && deduplicated(webhook).equals(expected(produced, webhookKeys())));
        assertThat(second.failure()).isEmpty();
      }

      assertThat(deliveredBeforeRestart)
          .as("the restart really was mid-backlog")
          .isLessThan(
              CRITICAL_KEYS.size() * CHANGES_PER_KEY + WARNING_KEYS.size() * CHANGES_PER_KEY);
      // Order per dedup key: the first arrival of each state change follows the produced order.
      assertThat(deduplicated(pagerDuty)).isEqualTo(expected(produced, CRITICAL_KEYS));
      assertThat(deduplicated(webhook)).isEqualTo(expected(produced, webhookKeys()));
      // Routing: critical only to PagerDuty, warnings only to the webhook; actions match states.
      assertThat(pagerDuty).allSatisfy(r -> {
        assertThat(CRITICAL_KEYS).contains(r.dedupKey());
        assertThat(r.action()).isEqualTo(r.seq() % 2 == 0 ? "trigger" : "resolve");
      });
      assertThat(webhook).allSatisfy(r -> {
        assertThat(webhookKeys()).contains(r.dedupKey());
        assertThat(r.action()).isEqualTo(r.seq() % 2 == 0 ? "firing" : "resolved");
      });
      // Retry-After: 1 was honoured before the throttled alert was sent again.
      Received throttled = webhookThrottled.get(0);
      Received retried =
          webhook.stream().filter(r -> r.sameChange(throttled)).findFirst().orElseThrow();
      assertThat(Duration.ofNanos(retried.nanos() - throttled.nanos()))
          .isGreaterThanOrEqualTo(Duration.ofMillis(950));

      assertPoisonWentToTheDeadLetterTopic(config);
    } finally {
      pagerDutyServer.stop(0);
      webhookServer.stop(0);
    }
  }

  private static List<String> webhookKeys() {
    List<String> keys = new ArrayList<>(WARNING_KEYS);
    keys.add(POISON_KEY);
    return keys;
  }

  /** Per dedup key, the produced state changes by sequence number: 0 FIRING, 1 RESOLVED, ... */
  private static Map<String, List<Integer>> expected(
      Map<String, List<String>> produced, List<String> keys) {
    Map<String, List<Integer>> expected = new TreeMap<>();
    for (String key : keys) {
      List<Integer> seqs = IntStream.range(0, produced.get(key).size()).boxed().toList();
      expected.put(key, key.equals(POISON_KEY) ? seqs.subList(1, seqs.size()) : seqs);
    }
    return expected;
  }

  /** At-least-once may repeat a delivery; the first arrival of each state change must be in order. */
  private static Map<String, List<Integer>> deduplicated(List<Received> received) {
    Map<String, Set<Integer>> firstArrivals = new TreeMap<>();
    for (Received r : received) {
      firstArrivals.computeIfAbsent(r.dedupKey(), k -> new LinkedHashSet<>()).add(r.seq());
    }
    Map<String, List<Integer>> result = new TreeMap<>();
    firstArrivals.forEach((k, v) -> result.put(k, List.copyOf(v)));
    return result;
  }

  private static Map<String, List<String>> produceBacklog(TokenmeterConfig config)
      throws Exception {
    Map<String, List<String>> produced = new LinkedHashMap<>();
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
      // Interleaved across keys, as the streams app would write them over time.
      for (int seq = 0; seq < CHANGES_PER_KEY; seq++) {
        for (String key : CRITICAL_KEYS) {
          send(producer, serializer, config, produced, key, "critical", seq);
        }
        for (String key : WARNING_KEYS) {
          send(producer, serializer, config, produced, key, "warning", seq);
        }
        if (seq < 2) {
          send(producer, serializer, config, produced, POISON_KEY, "warning", seq);
        }
      }
      producer.flush();
    }
    return produced;
  }

  private static void send(
      KafkaProducer<byte[], byte[]> producer,
      AvroSerializer<Alert> serializer,
      TokenmeterConfig config,
      Map<String, List<String>> produced,
      String key,
      String severity,
      int seq)
      throws Exception {
    AlertState state = seq % 2 == 0 ? AlertState.FIRING : AlertState.RESOLVED;
    Alert alert = TestAlerts.of(
        key, state, key.substring(0, key.indexOf(':')), severity, Map.of("model", "gpt-4o"));
    alert.setDetails(new TreeMap<>(Map.of("seq", Integer.toString(seq))));
    producer
        .send(new ProducerRecord<>(
            config.topics().alerts(),
            key.getBytes(StandardCharsets.UTF_8),
            serializer.serialize(config.topics().alerts(), alert)))
        .get();
    produced.computeIfAbsent(key, k -> new ArrayList<>()).add(state.name());
  }

  private static void assertPoisonWentToTheDeadLetterTopic(TokenmeterConfig config) {
    AvroSerializer<Alert> serializer =
        new AvroSerializer<>(Alert.class, AvroSerdeConfig.withoutRegistry());
    Alert poison = TestAlerts.of(
        POISON_KEY, AlertState.FIRING, "unpriced_model", "warning", Map.of("model", "gpt-4o"));
    poison.setDetails(new TreeMap<>(Map.of("seq", "0")));
    byte[] poisonBytes = serializer.serialize(config.topics().alerts(), poison);
    List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(),
            ConsumerConfig.GROUP_ID_CONFIG,
            "router-it-dlq-" + UUID.randomUUID(),
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            "earliest"),
        new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      consumer.subscribe(List.of("llm.alerts.dlq"));
      await().atMost(Duration.ofSeconds(20)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(dead::add);
        return !dead.isEmpty();
      });
    }
    // Re-delivery after the restart may write it twice; each copy is the same alert.
    assertThat(dead).allSatisfy(r -> {
      assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(POISON_KEY);
      assertThat(r.value()).isEqualTo(poisonBytes);
      assertThat(header(r, "tokenmeter.dlq.reason")).isEqualTo("rejected");
      assertThat(header(r, "tokenmeter.dlq.receiver")).isEqualTo("webhook");
      assertThat(header(r, "tokenmeter.dlq.status")).isEqualTo("400");
      assertThat(header(r, "tokenmeter.dlq.response"))
          .isEqualTo("{\"error\":\"poison is not welcome here\"}");
      assertThat(header(r, "tokenmeter.dlq.topic")).isEqualTo(config.topics().alerts());
    });
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header h = record.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static TokenmeterConfig config(HttpServer pagerDuty, HttpServer webhook) {
    return ConfigLoader.create()
        .override("kafka.bootstrap.servers", broker.bootstrapServers())
        .override("topics.partitions", "3")
        .override("router.group.id", "router-it-" + UUID.randomUUID())
        .override(
            "router.pagerduty.url",
            "http://127.0.0.1:" + pagerDuty.getAddress().getPort() + "/v2/enqueue")
        .override("router.pagerduty.routing.key", ROUTING_KEY)
        .override(
            "router.webhook.url", "http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook")
        .override("router.retry.initial.backoff", "50ms")
        .override("router.retry.max.backoff", "2s")
        .override("router.request.timeout", "5s")
        .override("router.route.1.receiver", "pagerduty")
        .override("router.route.1.severities", "critical")
        .override("router.route.2.receiver", "webhook")
        .override("router.route.2.severities", "warning")
        .load();
  }

  /** One delivery as the receiver saw it. */
  record Received(String dedupKey, int seq, String action, long nanos) {
    boolean sameChange(Received other) {
      return dedupKey.equals(other.dedupKey) && seq == other.seq;
    }
  }

  record Answer(int status, String body, String retryAfter) {}

  private static JsonNode read(String body) {
    try {
      return JsonText.MAPPER.readTree(body);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static HttpServer server(String path, Function<String, Answer> handler)
      throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(path, (HttpExchange exchange) -> {
      try (exchange) {
        Answer answer;
        try {
          answer = handler.apply(
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        } catch (RuntimeException | AssertionError e) {
          answer = new Answer(500, e.toString(), null);
        }
        if (answer.retryAfter() != null) {
          exchange.getResponseHeaders().add("Retry-After", answer.retryAfter());
        }
        byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
          exchange.getResponseBody().write(bytes);
        }
      }
    });
    server.start();
    return server;
  }
}
