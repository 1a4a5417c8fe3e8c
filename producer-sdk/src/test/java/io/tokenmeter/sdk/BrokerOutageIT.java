package io.tokenmeter.sdk;

import static io.tokenmeter.sdk.BrokerSupport.createTopic;
import static io.tokenmeter.sdk.BrokerSupport.readEvents;
import static io.tokenmeter.sdk.BrokerSupport.sdk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenmeter.testkit.KafkaBroker;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The broker goes away and comes back (same data, same port). Callers never wait for it; what
 * cannot be delivered is counted by reason; once it is back, events flow again.
 */
class BrokerOutageIT {

  private static final String TOPIC = "llm.calls.outage";
  // A sanity bound for "returns at once", not a benchmark: record() is about a microsecond.
  private static final long MAX_RECORD_NANOS = Duration.ofMillis(50).toNanos();

  private static KafkaBroker broker;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBroker.start();
    createTopic(broker.bootstrapServers(), TOPIC);
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @AfterEach
  void brokerIsBackForTheNextTest() {
    broker.startProcess();
  }

  private static LlmCall call(String id) {
    return LlmCall.builder()
        .eventId(id)
        .provider("openai")
        .operation("chat")
        .requestModel("gpt-4o-mini")
        .build();
  }

  /** Records one event and waits for its acknowledgement, so the producer knows the topic. */
  private static void warmUp(Tokenmeter tm, String id) {
    tm.record(call(id));
    assertThat(tm.flush(Duration.ofSeconds(60))).isTrue();
    assertThat(tm.stats().sent()).isEqualTo(1);
  }

  @Test
  void callsReturnAtOnceAndFullQueueIsCountedWhileTheBrokerIsDown() {
    broker.stop();
    // Created while the broker is down: the worker waits max.block.ms for metadata on each send,
    // so the small queue fills and the rest is dropped at once.
    try (Tokenmeter tm = sdk(broker.bootstrapServers(), TOPIC)
        .queueCapacity(16)
        .deliveryTimeout(Duration.ofSeconds(2))
        .producerProperty("max.block.ms", 200)
        .closeTimeout(Duration.ofSeconds(1))
        .build()) {
      long slowest = 0;
      for (int i = 0; i < 500; i++) {
        long start = System.nanoTime();
        tm.record(call("down-" + i));
        slowest = Math.max(slowest, System.nanoTime() - start);
      }
      assertThat(slowest).as("slowest record() in ns").isLessThan(MAX_RECORD_NANOS);
      assertThat(tm.stats().recorded()).isEqualTo(500);
      // At most the queue plus what the worker had already taken from it into its batch got in.
      assertThat(tm.stats().droppedQueueFull()).isGreaterThanOrEqualTo(500 - 2 * 16);

      // What got in (one held by the worker, a queue's worth waiting) is dropped as
      // broker_unavailable once the delivery timeout has passed without a broker.
      await().atMost(Duration.ofSeconds(60)).until(() -> tm.stats().pending() == 0);
      Tokenmeter.Stats s = tm.stats();
      assertThat(s.droppedBrokerUnavailable()).isEqualTo(500 - s.droppedQueueFull());
      assertThat(s.droppedBrokerUnavailable()).isBetween(1L, 2L * 16);
      assertThat(s.sent()).isZero();
    }
  }

  @Test
  void eventsRecordedDuringAnOutageAreDroppedAsBrokerUnavailableAfterTheDeliveryTimeout() {
    try (Tokenmeter tm = sdk(broker.bootstrapServers(), TOPIC)
        .deliveryTimeout(Duration.ofSeconds(2))
        .closeTimeout(Duration.ofSeconds(1))
        .build()) {
      warmUp(tm, "expire-warmup");
      broker.kill(); // a crash: no controlled shutdown telling the client anything
      long start = System.nanoTime();
      for (int i = 0; i < 5; i++) {
        long callStart = System.nanoTime();
        tm.record(call("expire-" + i));
        assertThat(System.nanoTime() - callStart).isLessThan(MAX_RECORD_NANOS);
      }
      assertThat(tm.stats().droppedBrokerUnavailable())
          .as("nothing given up before the timeout")
          .isZero();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> tm.stats().droppedBrokerUnavailable() == 5);
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
      assertThat(tm.stats().pending()).isZero();
      assertThat(tm.stats().sent()).isEqualTo(1);
    }
  }

  @Test
  void eventsFlowAgainAfterTheBrokerRestartsOnItsData() {
    try (Tokenmeter tm = sdk(broker.bootstrapServers(), TOPIC)
        .deliveryTimeout(Duration.ofMinutes(2))
        .build()) {
      warmUp(tm, "restart-warmup");
      broker.stop();
      for (int i = 0; i < 3; i++) {
        tm.record(call("during-" + i));
      }
      broker.startProcess();
      for (int i = 0; i < 3; i++) {
        tm.record(call("after-" + i));
      }
      assertThat(tm.flush(Duration.ofSeconds(120))).isTrue();
      Tokenmeter.Stats s = tm.stats();
      assertThat(s.sent()).isEqualTo(7);
      assertThat(s.dropped()).isZero();
    }
    Set<String> expected = Set.of(
        "restart-warmup", "during-0", "during-1", "during-2", "after-0", "after-1", "after-2");
    List<String> ids = readEvents(
            broker.bootstrapServers(),
            TOPIC,
            r -> r.stream()
                .map(x -> x.value().getEventId())
                .collect(Collectors.toSet())
                .containsAll(expected))
        .stream()
        .map(r -> r.value().getEventId())
        .filter(expected::contains)
        .toList();
    // Idempotence: the retries across the restart wrote no duplicates.
    assertThat(ids).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void closeReturnsByItsDeadlineWhileTheBrokerIsDownAndCountsWhatItCouldNotSend() {
    Tokenmeter tm = sdk(broker.bootstrapServers(), TOPIC)
        .deliveryTimeout(Duration.ofMinutes(2))
        .build();
    warmUp(tm, "close-warmup");
    broker.stop();
    for (int i = 0; i < 10; i++) {
      tm.record(call("close-" + i));
    }
    long start = System.nanoTime();
    boolean complete = tm.close(Duration.ofMillis(500));
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(complete).isFalse();
    assertThat(tookMs).as("close() took ms").isLessThan(5_000);
    assertThat(tm.stats().droppedClosed()).isEqualTo(10);
    assertThat(tm.stats().pending()).isZero();
  }
}
