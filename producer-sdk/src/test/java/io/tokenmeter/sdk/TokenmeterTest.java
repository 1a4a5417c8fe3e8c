package io.tokenmeter.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.schemas.serde.AvroSerializer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The SDK's accounting and encoding against Kafka's MockProducer; the real broker is in *IT. */
class TokenmeterTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private Tokenmeter tm;

  @AfterEach
  void closeSdk() {
    if (tm != null) {
      tm.close(Duration.ofSeconds(1));
    }
  }

  static LlmCall.Builder chat() {
    return LlmCall.builder().provider("openai").operation("chat").requestModel("gpt-4o-mini");
  }

  static MockProducer<String, LlmCallEvent> autoCompleting() {
    return new MockProducer<>(
        true,
        null,
        new StringSerializer(),
        new AvroSerializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry()));
  }

  @Test
  void recordedCallBecomesOneEventWithFingerprintAndHintButNoKey() {
    MockProducer<String, LlmCallEvent> producer = autoCompleting();
    tm = TokenmeterConfigTest.valid().build(producer);
    String key = "sk-proj-UNIT0TEST0KEY0000000000000000000000009abc";
    tm.record(chat()
        .apiKey(key)
        .orgId("org_1")
        .projectId("proj_1")
        .inputTokens(100)
        .outputTokens(20)
        .statusCode(200)
        .durationMs(250)
        .timestamp(Instant.parse("2026-01-02T03:04:05.678Z"))
        .eventId("e-1")
        .build());
    assertThat(tm.flush(WAIT)).isTrue();

    assertThat(producer.history()).hasSize(1);
    ProducerRecord<String, LlmCallEvent> record = producer.history().get(0);
    assertThat(record.topic()).isEqualTo("llm.calls");
    assertThat(record.key()).isEqualTo("org_1/proj_1");
    assertThat(record.timestamp())
        .isEqualTo(Instant.parse("2026-01-02T03:04:05.678Z").toEpochMilli());
    LlmCallEvent e = record.value();
    assertThat(e.getEventId()).isEqualTo("e-1");
    assertThat(e.getService()).isEqualTo("checkout");
    assertThat(e.getEnvironment()).isEqualTo("test");
    assertThat(e.getApiKeyFingerprint()).matches("[0-9a-f]{32}");
    assertThat(e.getApiKeyHint()).isEqualTo("sk-...9abc");
    assertThat(e.toString()).doesNotContain(key);
    assertThat(e.getErrorType()).isNull();
    assertThat(e.getSdk().getName()).isEqualTo("tokenmeter-java");
    assertThat(e.getSdk().getVersion()).isNotBlank().isNotEqualTo("unknown");
    assertThat(tm.stats())
        .extracting(Tokenmeter.Stats::recorded, Tokenmeter.Stats::sent, Tokenmeter.Stats::dropped)
        .containsExactly(1L, 1L, 0L);
  }

  @Test
  void keyFingerprintIsWhatTheSdkWritesForTheKeySoAnOperatorCanListIt() {
    MockProducer<String, LlmCallEvent> producer = autoCompleting();
    tm = TokenmeterConfigTest.valid().build(producer);
    String key = "sk-proj-UNIT0TEST0KEY0000000000000000000000007def";
    tm.record(chat().apiKey(key).build());
    assertThat(tm.flush(WAIT)).isTrue();
    LlmCallEvent written = producer.history().get(0).value();

    assertThat(Tokenmeter.keyFingerprint(TokenmeterConfigTest.SECRET, key))
        .isEqualTo(written.getApiKeyFingerprint())
        .isEqualTo(Tokenmeter.keyFingerprint(TokenmeterConfigTest.SECRET, "Bearer " + key + " "));
    assertThat(Tokenmeter.keyFingerprint(
            TokenmeterConfigTest.SECRET.toUpperCase(java.util.Locale.ROOT), key))
        .as("another secret, another fingerprint")
        .isNotEqualTo(written.getApiKeyFingerprint());
    assertThat(written.getSdk().getName()).isEqualTo(Tokenmeter.SDK_NAME);
    assertThat(written.getSdk().getVersion()).isEqualTo(Tokenmeter.SDK_VERSION);
  }

  @Test
  void keyFingerprintRefusesAShortSecretOrNoKeyWithoutQuotingEither() {
    String shortSecret = "short-secret-xyz";
    String key = "sk-proj-UNIT0TEST0KEY0000000000000000000000001234";

    assertThatThrownBy(() -> Tokenmeter.keyFingerprint(shortSecret, key))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fingerprintSecret is too short")
        .message()
        .doesNotContain(shortSecret)
        .doesNotContain(key);
    assertThatThrownBy(() -> Tokenmeter.keyFingerprint(null, key))
        .hasMessageContaining("fingerprintSecret is required");
    assertThatThrownBy(() -> Tokenmeter.keyFingerprint(TokenmeterConfigTest.SECRET, "  "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("apiKey is required")
        .message()
        .doesNotContain(TokenmeterConfigTest.SECRET);
  }

  @Test
  void producerConfigIsTheEffectiveKafkaConfigurationOfTheBuilder() {
    Map<String, Object> config = TokenmeterConfigTest.valid()
        .producerProperty("linger.ms", 50)
        .producerProperty("security.protocol", "SASL_SSL")
        .producerConfig();

    assertThat(config)
        .containsEntry("acks", "all")
        .containsEntry("enable.idempotence", true)
        .containsEntry("compression.type", "lz4")
        .containsEntry("client.id", "tokenmeter-sdk-checkout")
        .containsEntry("linger.ms", 50)
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry(
            "delivery.timeout.ms", (int) Tokenmeter.Builder.DEFAULT_DELIVERY_TIMEOUT.toMillis())
        .doesNotContainKeys("key.serializer", "value.serializer");
    assertThatThrownBy(
            () -> TokenmeterConfigTest.valid().producerProperty("acks", "1").producerConfig())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("producerProperty acks");
  }

  @Test
  void recordNeverThrowsAndCountsNullAndIncompleteCallsAsInvalid() {
    tm = TokenmeterConfigTest.valid().build(autoCompleting());
    assertThatCode(() -> {
          tm.record(null);
          tm.record(LlmCall.builder().build());
          tm.record(chat().provider(" ").build());
          tm.record(chat().requestModel(null).build());
        })
        .doesNotThrowAnyException();
    assertThat(tm.flush(WAIT)).isTrue();
    assertThat(tm.stats().droppedInvalid()).isEqualTo(4);
    assertThat(tm.stats().recorded()).isEqualTo(4);
    assertThat(tm.stats().pending()).isZero();
  }

  @Test
  void fullQueueDropsAtOnceAndCountsQueueFull() throws Exception {
    BlockingProducer producer =
        new BlockingProducer(() -> new KafkaException("Requested metadata update after close"));
    tm = TokenmeterConfigTest.valid().queueCapacity(2).build(producer);
    tm.record(chat().build());
    assertThat(producer.entered.await(10, TimeUnit.SECONDS))
        .as("worker is inside send()")
        .isTrue();
    for (int i = 0; i < 10; i++) {
      tm.record(chat().build());
    }
    // One is inside send(), two wait in the queue, the rest found it full.
    assertThat(tm.stats().droppedQueueFull()).isEqualTo(8);
    assertThat(tm.stats().queued()).isEqualTo(2);
    producer.release.countDown();
    await().atMost(WAIT).until(() -> tm.stats().sent() == 3);
    assertThat(tm.stats().pending()).isZero();
  }

  @Test
  void failedSendIsCountedAsBrokerUnavailable() {
    MockProducer<String, LlmCallEvent> producer = new MockProducer<>(
        false,
        null,
        new StringSerializer(),
        new AvroSerializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry()));
    tm = TokenmeterConfigTest.valid().build(producer);
    tm.record(chat().build());
    tm.record(chat().build());
    await().atMost(WAIT).until(() -> producer.history().size() == 2);
    producer.errorNext(new TimeoutException("Expiring 1 record(s): 120000 ms has passed"));
    producer.completeNext();
    assertThat(tm.stats().droppedBrokerUnavailable()).isEqualTo(1);
    assertThat(tm.stats().sent()).isEqualTo(1);
  }

  @Test
  void serializerFailureIsCountedAsSerialization() {
    Serializer<LlmCallEvent> failing = (topic, data) -> {
      throw new SerializationException("schema registry http://127.0.0.1:1 unreachable");
    };
    MockProducer<String, LlmCallEvent> producer =
        new MockProducer<>(true, null, new StringSerializer(), failing);
    tm = TokenmeterConfigTest.valid().build(producer);
    tm.record(chat().build());
    assertThat(tm.flush(WAIT)).isTrue();
    assertThat(tm.stats().droppedSerialization()).isEqualTo(1);
    assertThat(tm.stats().sent()).isZero();
  }

  @Test
  void recordAfterCloseIsCountedAsClosed() {
    tm = TokenmeterConfigTest.valid().build(autoCompleting());
    assertThat(tm.close(WAIT)).isTrue();
    tm.record(chat().build());
    assertThat(tm.stats().droppedClosed()).isEqualTo(1);
    assertThat(tm.close(WAIT)).as("a second close returns the first result").isTrue();
  }

  @Test
  void closeSendsWhatIsQueued() {
    MockProducer<String, LlmCallEvent> producer = autoCompleting();
    tm = TokenmeterConfigTest.valid().build(producer);
    for (int i = 0; i < 100; i++) {
      tm.record(chat().build());
    }
    assertThat(tm.close(WAIT)).isTrue();
    assertThat(producer.history()).hasSize(100);
    assertThat(tm.stats().sent()).isEqualTo(100);
    assertThat(tm.stats().pending()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"woken in its metadata wait", "called after close"})
  void closeGivesUpAtItsDeadlineAndCountsTheRestAsClosed(String how) throws Exception {
    // What KafkaProducer.send() throws when close() wakes it waiting for metadata, and when it
    // is called once the producer is closed.
    BlockingProducer producer = new BlockingProducer(
        how.startsWith("woken")
            ? () -> new KafkaException("Requested metadata update after close")
            : () -> new IllegalStateException(
                "Cannot perform operation after producer has been closed"));
    tm = TokenmeterConfigTest.valid().build(producer);
    for (int i = 0; i < 5; i++) {
      tm.record(chat().build());
    }
    assertThat(producer.entered.await(10, TimeUnit.SECONDS)).isTrue();
    long start = System.nanoTime();
    boolean complete = tm.close(Duration.ofMillis(200));
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(complete).isFalse();
    assertThat(tookMs).isLessThan(5_000);
    // The one stuck in send() fails when the producer closes; the four queued are never sent.
    await().atMost(WAIT).until(() -> tm.stats().pending() == 0);
    assertThat(tm.stats().droppedClosed()).isEqualTo(5);
  }

  @Test
  void errorTypeComesFromTheStatusUnlessGiven() {
    MockProducer<String, LlmCallEvent> producer = autoCompleting();
    tm = TokenmeterConfigTest.valid().build(producer);
    tm.record(chat().statusCode(429).build());
    tm.record(chat().statusCode(500).errorType("other").build());
    tm.record(chat().error(new java.net.http.HttpTimeoutException("timed out")).build());
    assertThat(tm.flush(WAIT)).isTrue();
    assertThat(producer.history())
        .extracting(r -> r.value().getErrorType())
        .containsExactly("rate_limited", "other", "timeout");
    assertThat(producer.history().get(2).value().getStatusCode()).isNull();
  }

  @Test
  void recordKeyIsOrgAndProjectOrTheServiceWithoutThem() {
    MockProducer<String, LlmCallEvent> producer = autoCompleting();
    tm = TokenmeterConfigTest.valid().build(producer);
    tm.record(chat().orgId("org_1").projectId("proj_1").build());
    tm.record(chat().orgId("org_1").build());
    tm.record(chat().projectId("proj_1").build());
    tm.record(chat().build());
    assertThat(tm.flush(WAIT)).isTrue();
    assertThat(producer.history())
        .extracting(ProducerRecord::key)
        .containsExactly("org_1/proj_1", "org_1/", "/proj_1", "checkout");
  }

  @Test
  void eachRecordedCallGetsItsOwnGeneratedEventId() {
    MockProducer<String, LlmCallEvent> producer = autoCompleting();
    tm = TokenmeterConfigTest.valid().build(producer);
    LlmCall call = chat().build();
    tm.record(call);
    tm.record(call);
    assertThat(tm.flush(WAIT)).isTrue();
    List<String> ids =
        producer.history().stream().map(r -> r.value().getEventId()).toList();
    assertThat(ids).doesNotHaveDuplicates().allMatch(id -> id.matches("[0-9a-f-]{36}"));
  }

  @Test
  void statsAsMapUsesTheMetricNames() {
    tm = TokenmeterConfigTest.valid().build(autoCompleting());
    tm.record(null);
    Map<String, Long> m = tm.stats().asMap();
    assertThat(m)
        .containsKeys(
            "recorded",
            "sent",
            "dropped.queue_full",
            "dropped.broker_unavailable",
            "dropped.serialization",
            "dropped.invalid",
            "dropped.closed",
            "queued")
        .containsEntry("dropped.invalid", 1L);
  }

  @Test
  void eventsWaitWhileKafkaHasNoMetadataAndGoOutWhenItIsBack() {
    MetadataOutageProducer producer = new MetadataOutageProducer(5);
    tm = TokenmeterConfigTest.valid().build(producer);
    for (int i = 0; i < 3; i++) {
      tm.record(chat().eventId("held-" + i).build());
    }
    await().atMost(WAIT).until(() -> tm.stats().sent() == 3);
    assertThat(producer.attempts).isGreaterThan(5);
    assertThat(tm.stats().dropped()).isZero();
    assertThat(producer.history())
        .extracting(r -> r.value().getEventId())
        .containsExactly("held-0", "held-1", "held-2");
  }

  @Test
  void eventsHeldLongerThanTheDeliveryTimeoutAreDroppedAsBrokerUnavailable() {
    MetadataOutageProducer producer = new MetadataOutageProducer(Integer.MAX_VALUE);
    tm = TokenmeterConfigTest.valid().deliveryTimeout(Duration.ofSeconds(1)).build(producer);
    long start = System.nanoTime();
    tm.record(chat().build());
    tm.record(chat().build());
    assertThat(tm.stats().droppedBrokerUnavailable()).isZero();
    await().atMost(WAIT).until(() -> tm.stats().droppedBrokerUnavailable() == 2);
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(tm.stats().pending()).isZero();
  }

  /**
   * Fails the first sends at once through the callback, as KafkaProducer does when the topic's
   * metadata does not arrive within max.block.ms.
   */
  static final class MetadataOutageProducer extends MockProducer<String, LlmCallEvent> {
    private final int failures;
    volatile int attempts;

    MetadataOutageProducer(int failures) {
      super(
          true,
          null,
          new StringSerializer(),
          new AvroSerializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry()));
      this.failures = failures;
    }

    @Override
    public synchronized Future<RecordMetadata> send(
        ProducerRecord<String, LlmCallEvent> record, Callback callback) {
      if (attempts++ < failures) {
        callback.onCompletion(
            null, new TimeoutException("Topic llm.calls not present in metadata after 500 ms."));
        return java.util.concurrent.CompletableFuture.failedFuture(
            new TimeoutException("no metadata"));
      }
      return super.send(record, callback);
    }
  }

  /** A producer whose send() blocks until released, as a worker facing a stalled broker. */
  static final class BlockingProducer extends MockProducer<String, LlmCallEvent> {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    private final Supplier<RuntimeException> onClose;
    private volatile boolean closedNow;

    BlockingProducer(Supplier<RuntimeException> onClose) {
      super(
          true,
          null,
          new StringSerializer(),
          new AvroSerializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry()));
      this.onClose = onClose;
    }

    @Override
    public Future<RecordMetadata> send(
        ProducerRecord<String, LlmCallEvent> record, Callback callback) {
      entered.countDown();
      try {
        // Like KafkaProducer waiting for metadata: woken by close(), failing the send.
        while (!release.await(10, TimeUnit.MILLISECONDS)) {
          if (closedNow) {
            throw onClose.get();
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return super.send(record, callback);
    }

    @Override
    public void close(Duration timeout) {
      closedNow = true;
      super.close(timeout);
    }
  }
}
