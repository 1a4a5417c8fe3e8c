package io.tokenmeter.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenmeter.config.ConfigLoader;
import io.tokenmeter.config.TokenmeterConfig;
import io.tokenmeter.http.Health;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.schemas.serde.AvroSerializer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The delivery loop on Kafka's mock clients, with receivers that answer as told: what is
 * committed when, who is sent what again, and what goes to the dead-letter topic. No waiting:
 * the backoff is zero.
 */
class AlertRouterTest {

  private static final TopicPartition P0 = new TopicPartition("llm.alerts", 0);
  private static final AvroSerializer<Alert> AVRO =
      new AvroSerializer<>(Alert.class, AvroSerdeConfig.withoutRegistry());

  private final FlakyCommitConsumer consumer = new FlakyCommitConsumer();
  private final MockProducer<byte[], byte[]> producer =
      new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
  private AlertRouter router;

  @AfterEach
  void close() {
    if (router != null) {
      assertThat(router.close(Duration.ofSeconds(10))).isTrue();
    }
  }

  /** A receiver that answers each call with {@code answers} applied to its call number (1, 2, ...). */
  static final class ScriptedReceiver implements Receiver {
    final String name;
    final Function<Integer, Delivery> answers;
    final AtomicInteger calls = new AtomicInteger();
    final ConcurrentLinkedQueue<String> received = new ConcurrentLinkedQueue<>();

    ScriptedReceiver(String name, Function<Integer, Delivery> answers) {
      this.name = name;
      this.answers = answers;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public Delivery deliver(Alert alert) {
      received.add(alert.getDedupKey() + "/" + alert.getState());
      return answers.apply(calls.incrementAndGet());
    }
  }

  /** A mock consumer whose next commits time out, as they do while the broker is away. */
  static final class FlakyCommitConsumer extends MockConsumer<byte[], byte[]> {
    final AtomicInteger commitTimeoutsLeft = new AtomicInteger();

    FlakyCommitConsumer() {
      super("earliest");
    }

    @Override
    public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
      if (commitTimeoutsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        throw new TimeoutException(
            "Timeout of 60000ms expired before successfully committing offsets " + offsets);
      }
      super.commitSync(offsets);
    }
  }

  private static Delivery retry() {
    return new Delivery.RetryLater(Optional.empty(), "HTTP 503");
  }

  private void start(ScriptedReceiver... receivers) {
    TokenmeterConfig config = ConfigLoader.create()
        .override("router.pagerduty.routing.key", "rk")
        .override("router.webhook.url", "http://127.0.0.1:1/hook")
        .override("router.retry.initial.backoff", "1ms")
        .override("router.retry.max.backoff", "1ms")
        .load();
    router = new AlertRouter(config, List.of(receivers), Clock.systemUTC(), () -> 0.0);
    consumer.schedulePollTask(() -> {
      consumer.rebalance(List.of(P0));
      consumer.updateBeginningOffsets(Map.of(P0, 0L));
    });
    router.start(consumer, producer);
  }

  private void append(long offset, String key, byte[] value) {
    consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(
        P0.topic(), P0.partition(), offset, key.getBytes(StandardCharsets.UTF_8), value)));
  }

  private void append(long offset, Alert alert) {
    append(offset, alert.getDedupKey().toString(), AVRO.serialize(P0.topic(), alert));
  }

  private Long committedOffset() {
    var committed = consumer.committed(Set.of(P0)).get(P0);
    return committed == null ? null : committed.offset();
  }

  @Test
  void healthIsUpWhileTheRouterRunsEvenWhenItsReceiverIsDown() {
    ScriptedReceiver down = new ScriptedReceiver("webhook", n -> retry());
    TokenmeterConfig config = ConfigLoader.create()
        .override("router.webhook.url", "http://127.0.0.1:1/hook")
        .load();
    AlertRouter created = new AlertRouter(config, List.of(down), Clock.systemUTC(), () -> 0.0);
    assertThat(created.health()).isEqualTo(new Health(false, "CREATED"));

    start(down);
    append(0, TestAlerts.rateLimit(AlertState.FIRING, "critical"));
    await().atMost(Duration.ofSeconds(10)).until(() -> down.calls.get() >= 3);
    assertThat(router.health()).isEqualTo(new Health(true, "RUNNING"));

    assertThat(router.close(Duration.ofSeconds(10))).isTrue();
    assertThat(router.health()).isEqualTo(new Health(false, "STOPPED"));
  }

  @Test
  void aRetryGoesOnlyToTheReceiverThatHasNotAcceptedYet() {
    ScriptedReceiver pagerDuty = new ScriptedReceiver("pagerduty", n -> Delivery.accepted());
    ScriptedReceiver webhook =
        new ScriptedReceiver("webhook", n -> n <= 2 ? retry() : Delivery.accepted());
    start(pagerDuty, webhook);

    append(0, TestAlerts.rateLimit(AlertState.FIRING, "critical"));

    await().atMost(Duration.ofSeconds(10)).until(() -> Long.valueOf(1).equals(committedOffset()));
    assertThat(pagerDuty.calls).hasValue(1);
    assertThat(webhook.calls).hasValue(3);
  }

  @Test
  void nothingIsCommittedAndNothingLaterIsSentWhileAReceiverKeepsFailing() {
    ScriptedReceiver webhook = new ScriptedReceiver("webhook", n -> retry());
    start(webhook);

    append(0, TestAlerts.of("k:1", AlertState.FIRING, "k", "warning", Map.of()));
    append(1, TestAlerts.of("k:1", AlertState.RESOLVED, "k", "warning", Map.of()));

    await().atMost(Duration.ofSeconds(10)).until(() -> webhook.calls.get() >= 20);
    assertThat(committedOffset()).isNull();
    assertThat(Set.copyOf(webhook.received))
        .as("the RESOLVED waits behind its FIRING")
        .containsExactly("k:1/FIRING");
    assertThat(router.committed()).isZero();
  }

  @Test
  void stateChangesOfOneKeyAreDeliveredInOffsetOrder() {
    ScriptedReceiver webhook =
        new ScriptedReceiver("webhook", n -> n % 3 == 0 ? Delivery.accepted() : retry());
    start(webhook);

    for (int i = 0; i < 6; i++) {
      append(
          i,
          TestAlerts.of(
              "k:1",
              i % 2 == 0 ? AlertState.FIRING : AlertState.RESOLVED,
              "k",
              "warning",
              Map.of()));
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> Long.valueOf(6).equals(committedOffset()));
    List<String> accepted = new ArrayList<>();
    List<String> all = new ArrayList<>(webhook.received);
    for (int call = 3; call <= all.size(); call += 3) {
      accepted.add(all.get(call - 1));
    }
    assertThat(accepted)
        .containsExactly(
            "k:1/FIRING",
            "k:1/RESOLVED",
            "k:1/FIRING",
            "k:1/RESOLVED",
            "k:1/FIRING",
            "k:1/RESOLVED");
  }

  @Test
  void aRefusedAlertIsDeadLetteredWithTheResponseAndTheRouterMovesOn() {
    ScriptedReceiver webhook = new ScriptedReceiver(
        "webhook",
        n -> n == 1 ? new Delivery.Rejected(400, "{\"error\":\"bad\"}") : Delivery.accepted());
    start(webhook);
    Alert refused = TestAlerts.of("k:1", AlertState.FIRING, "k", "warning", Map.of());
    byte[] refusedBytes = AVRO.serialize(P0.topic(), refused);

    append(0, "k:1", refusedBytes);
    append(1, TestAlerts.of("k:1", AlertState.RESOLVED, "k", "warning", Map.of()));

    await().atMost(Duration.ofSeconds(10)).until(() -> Long.valueOf(2).equals(committedOffset()));
    assertThat(producer.history()).singleElement().satisfies(dead -> {
      assertThat(dead.topic()).isEqualTo("llm.alerts.dlq");
      assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("k:1");
      assertThat(dead.value()).isEqualTo(refusedBytes);
      assertThat(header(dead, "tokenmeter.dlq.reason")).isEqualTo("rejected");
      assertThat(header(dead, "tokenmeter.dlq.receiver")).isEqualTo("webhook");
      assertThat(header(dead, "tokenmeter.dlq.status")).isEqualTo("400");
      assertThat(header(dead, "tokenmeter.dlq.response")).isEqualTo("{\"error\":\"bad\"}");
      assertThat(header(dead, "tokenmeter.dlq.offset")).isEqualTo("0");
    });
    assertThat(router.deadLettered()).isEqualTo(1);
    assertThat(router.delivered()).isEqualTo(1);
  }

  @Test
  void aRecordThatIsNotAnAlertIsDeadLetteredAsMalformed() {
    ScriptedReceiver webhook = new ScriptedReceiver("webhook", n -> Delivery.accepted());
    start(webhook);

    append(0, "garbage", new byte[] {1, 2, 3});
    append(1, TestAlerts.of("k:1", AlertState.FIRING, "k", "warning", Map.of()));

    await().atMost(Duration.ofSeconds(10)).until(() -> Long.valueOf(2).equals(committedOffset()));
    assertThat(producer.history()).singleElement().satisfies(dead -> {
      assertThat(dead.value()).containsExactly(1, 2, 3);
      assertThat(header(dead, "tokenmeter.dlq.reason")).isEqualTo("malformed");
    });
    assertThat(webhook.received).containsExactly("k:1/FIRING");
  }

  @Test
  void aCommitThatTimesOutWhileTheBrokerIsAwayIsRetriedAndTheRouterKeepsDelivering() {
    ScriptedReceiver webhook = new ScriptedReceiver("webhook", n -> Delivery.accepted());
    // commitSync gives up after default.api.timeout.ms (60 s) when the broker is down that long.
    consumer.commitTimeoutsLeft.set(3);
    start(webhook);

    append(0, TestAlerts.of("k:1", AlertState.FIRING, "k", "warning", Map.of()));
    append(1, TestAlerts.of("k:1", AlertState.RESOLVED, "k", "warning", Map.of()));

    await().atMost(Duration.ofSeconds(10)).until(() -> Long.valueOf(2).equals(committedOffset()));
    assertThat(router.failure()).isEmpty();
    assertThat(router.health()).isEqualTo(new Health(true, "RUNNING"));
    assertThat(webhook.received)
        .as("delivered once each: the router did not start over")
        .containsExactly("k:1/FIRING", "k:1/RESOLVED");
  }

  @Test
  void aRevokedPartitionStopsBeingWorkedOn() {
    ScriptedReceiver webhook = new ScriptedReceiver("webhook", n -> retry());
    start(webhook);
    append(0, TestAlerts.of("k:1", AlertState.FIRING, "k", "warning", Map.of()));
    await().atMost(Duration.ofSeconds(10)).until(() -> webhook.calls.get() >= 3);

    consumer.schedulePollTask(() -> consumer.rebalance(List.of()));
    await().atMost(Duration.ofSeconds(10)).until(() -> consumer.assignment().isEmpty());
    int callsAfterRevocation = webhook.calls.get();

    // Another round of polls: had the record been kept, it would be retried many times by now.
    AtomicInteger polls = new AtomicInteger();
    for (int i = 0; i < 5; i++) {
      consumer.schedulePollTask(polls::incrementAndGet);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> polls.get() == 5);
    assertThat(webhook.calls.get()).isLessThanOrEqualTo(callsAfterRevocation + 1);
    assertThat(committedOffset()).isNull();
  }

  private static String header(ProducerRecord<byte[], byte[]> record, String name) {
    var h = record.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
