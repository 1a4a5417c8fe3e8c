package io.tokenmeter.sdk;

import static io.tokenmeter.sdk.BrokerSupport.createTopic;
import static io.tokenmeter.sdk.BrokerSupport.readEvents;
import static io.tokenmeter.sdk.BrokerSupport.sdk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.RateLimitSnapshot;
import io.tokenmeter.testkit.junit.SharedBroker;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The SDK against a real KRaft broker: what it publishes is exactly what a consumer reads. */
class TokenmeterIT {

  @RegisterExtension
  static final SharedBroker broker = new SharedBroker();

  /** The test's own HMAC, independent of the SDK's code. */
  private static String expectedFingerprint(String key) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(
        new SecretKeySpec(BrokerSupport.SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return HexFormat.of()
        .formatHex(mac.doFinal(key.getBytes(StandardCharsets.UTF_8)))
        .substring(0, 32);
  }

  @Test
  void publishedEventsAreReadBackFieldByField() throws Exception {
    String topic = "llm.calls.readback";
    createTopic(broker.bootstrapServers(), topic);
    String key = "sk-proj-READBACKxKEY00000000000000000000000000000000a1b2";
    Instant startedAt = Instant.parse("2026-05-04T03:02:01.123Z");
    LlmCall full = LlmCall.builder()
        .eventId("evt-full")
        .timestamp(startedAt)
        .provider("openai")
        .operation("chat")
        .requestModel("gpt-4o")
        .responseModel("gpt-4o-2024-08-06")
        .apiKey(key)
        .orgId("org_A")
        .projectId("proj_B")
        .endUser("user-42")
        .inputTokens(1200)
        .outputTokens(300)
        .cacheReadInputTokens(1024)
        .cacheCreationInputTokens(0)
        .reasoningOutputTokens(128)
        .durationMs(2345)
        .timeToFirstTokenMs(321)
        .statusCode(200)
        .streaming(true)
        .rateLimitHeaders(Map.of(
            "x-ratelimit-limit-requests", "10000",
            "x-ratelimit-limit-tokens", "2000000",
            "x-ratelimit-remaining-requests", "9999",
            "x-ratelimit-remaining-tokens", "1998500",
            "x-ratelimit-reset-requests", "6ms",
            "x-ratelimit-reset-tokens", "1h2m3.5s"))
        .build();
    LlmCall minimal = LlmCall.builder()
        .eventId("evt-min")
        .timestamp(startedAt.plusSeconds(1))
        .provider("azure.ai.openai")
        .operation("embeddings")
        .requestModel("text-embedding-3-small")
        .statusCode(503)
        .build();

    try (Tokenmeter tm = sdk(broker.bootstrapServers(), topic).build()) {
      tm.record(full);
      tm.record(minimal);
      assertThat(tm.flush(Duration.ofSeconds(30))).isTrue();
      assertThat(tm.stats().sent()).isEqualTo(2);
    }

    Map<String, ConsumerRecord<String, LlmCallEvent>> byId =
        readEvents(broker.bootstrapServers(), topic, r -> r.size() >= 2).stream()
            .collect(Collectors.toMap(r -> r.value().getEventId(), Function.identity()));
    assertThat(byId).containsOnlyKeys("evt-full", "evt-min");

    ConsumerRecord<String, LlmCallEvent> fullRecord = byId.get("evt-full");
    assertThat(fullRecord.key()).isEqualTo("org_A/proj_B");
    assertThat(fullRecord.timestamp()).isEqualTo(startedAt.toEpochMilli());
    LlmCallEvent e = fullRecord.value();
    assertThat(e.getTimestamp()).isEqualTo(startedAt);
    assertThat(e.getSdk().getName()).isEqualTo("tokenmeter-java");
    assertThat(e.getSdk().getVersion()).isEqualTo(io.tokenmeter.sdk.internal.SdkVersion.VERSION);
    assertThat(e.getService()).isEqualTo("it-service");
    assertThat(e.getEnvironment()).isEqualTo("it");
    assertThat(e.getOrgId()).isEqualTo("org_A");
    assertThat(e.getProjectId()).isEqualTo("proj_B");
    assertThat(e.getApiKeyFingerprint()).isEqualTo(expectedFingerprint(key));
    assertThat(e.getApiKeyHint()).isEqualTo("sk-...a1b2");
    assertThat(e.getEndUser()).isEqualTo("user-42");
    assertThat(e.getProvider()).isEqualTo("openai");
    assertThat(e.getOperation()).isEqualTo("chat");
    assertThat(e.getRequestModel()).isEqualTo("gpt-4o");
    assertThat(e.getResponseModel()).isEqualTo("gpt-4o-2024-08-06");
    assertThat(e.getInputTokens()).isEqualTo(1200L);
    assertThat(e.getOutputTokens()).isEqualTo(300L);
    assertThat(e.getCacheReadInputTokens()).isEqualTo(1024L);
    assertThat(e.getCacheCreationInputTokens()).isEqualTo(0L);
    assertThat(e.getReasoningOutputTokens()).isEqualTo(128L);
    assertThat(e.getDurationMs()).isEqualTo(2345L);
    assertThat(e.getTimeToFirstTokenMs()).isEqualTo(321L);
    assertThat(e.getStatusCode()).isEqualTo(200);
    assertThat(e.getErrorType()).isNull();
    assertThat(e.getStreaming()).isTrue();
    RateLimitSnapshot r = e.getRateLimit();
    assertThat(r.getLimitRequests()).isEqualTo(10_000L);
    assertThat(r.getLimitTokens()).isEqualTo(2_000_000L);
    assertThat(r.getRemainingRequests()).isEqualTo(9_999L);
    assertThat(r.getRemainingTokens()).isEqualTo(1_998_500L);
    assertThat(r.getResetRequestsMs()).isEqualTo(6L);
    assertThat(r.getResetTokensMs()).isEqualTo(3_723_500L);

    ConsumerRecord<String, LlmCallEvent> minRecord = byId.get("evt-min");
    assertThat(minRecord.key()).as("no org or project: keyed by service").isEqualTo("it-service");
    LlmCallEvent m = minRecord.value();
    assertThat(m.getTimestamp()).isEqualTo(startedAt.plusSeconds(1));
    assertThat(m.getProvider()).isEqualTo("azure.ai.openai");
    assertThat(m.getOperation()).isEqualTo("embeddings");
    assertThat(m.getRequestModel()).isEqualTo("text-embedding-3-small");
    assertThat(m.getStatusCode()).isEqualTo(503);
    assertThat(m.getErrorType()).isEqualTo("server");
    assertThat(m.getStreaming()).isFalse();
    // Unknown stays null, never 0.
    assertThat(m.getOrgId()).isNull();
    assertThat(m.getProjectId()).isNull();
    assertThat(m.getApiKeyFingerprint()).isNull();
    assertThat(m.getApiKeyHint()).isNull();
    assertThat(m.getEndUser()).isNull();
    assertThat(m.getResponseModel()).isNull();
    assertThat(m.getInputTokens()).isNull();
    assertThat(m.getOutputTokens()).isNull();
    assertThat(m.getCacheReadInputTokens()).isNull();
    assertThat(m.getCacheCreationInputTokens()).isNull();
    assertThat(m.getReasoningOutputTokens()).isNull();
    assertThat(m.getDurationMs()).isNull();
    assertThat(m.getTimeToFirstTokenMs()).isNull();
    assertThat(m.getRateLimit()).isNull();
  }

  @Test
  void closeSendsEverythingQueuedWithinItsDeadline() throws Exception {
    String topic = "llm.calls.close";
    createTopic(broker.bootstrapServers(), topic);
    int n = 2_000;
    Tokenmeter tm = sdk(broker.bootstrapServers(), topic).build();
    for (int i = 0; i < n; i++) {
      tm.record(LlmCall.builder()
          .eventId("close-" + i)
          .provider("openai")
          .operation("chat")
          .requestModel("gpt-4o-mini")
          .orgId("org_" + (i % 7))
          .inputTokens(i)
          .build());
    }
    assertThat(tm.close(Duration.ofSeconds(60))).isTrue();
    assertThat(tm.stats().sent()).isEqualTo(n);
    assertThat(tm.stats().dropped()).isZero();

    Set<String> ids = readEvents(broker.bootstrapServers(), topic, r -> r.size() >= n).stream()
        .map(r -> r.value().getEventId())
        .collect(Collectors.toSet());
    assertThat(ids)
        .containsExactlyInAnyOrderElementsOf(
            IntStream.range(0, n).mapToObj(i -> "close-" + i).toList());
  }

  @Test
  void unreachableSchemaRegistryCountsSerializationDropsAndSendsNothing() throws Exception {
    String topic = "llm.calls.registry";
    createTopic(broker.bootstrapServers(), topic);
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    try (Tokenmeter tm = sdk(broker.bootstrapServers(), topic)
        .schemaRegistryUrl("http://127.0.0.1:" + closedPort)
        .build()) {
      for (int i = 0; i < 3; i++) {
        tm.record(LlmCall.builder()
            .provider("openai")
            .operation("chat")
            .requestModel("gpt-4o")
            .build());
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> tm.stats().droppedSerialization() == 3);
      assertThat(tm.stats().sent()).isZero();
    }
  }

  @Test
  void manyThreadsRecordConcurrentlyAndEveryCallIsAccountedFor() throws Exception {
    String topic = "llm.calls.concurrent";
    createTopic(broker.bootstrapServers(), topic);
    int threads = 4;
    int perThread = 500;
    try (Tokenmeter tm =
        sdk(broker.bootstrapServers(), topic).queueCapacity(100_000).build()) {
      List<Thread> workers = IntStream.range(0, threads)
          .mapToObj(t -> new Thread(() -> {
            for (int i = 0; i < perThread; i++) {
              tm.record(LlmCall.builder()
                  .provider("openai")
                  .operation("chat")
                  .requestModel("gpt-4o-mini")
                  .apiKey("sk-proj-concurrent-key-" + t + "-0000000000000000")
                  .build());
            }
          }))
          .toList();
      workers.forEach(Thread::start);
      for (Thread w : workers) {
        w.join();
      }
      assertThat(tm.flush(Duration.ofSeconds(60))).isTrue();
      Tokenmeter.Stats s = tm.stats();
      assertThat(s.recorded()).isEqualTo(threads * perThread);
      assertThat(s.sent()).isEqualTo(threads * perThread);
      assertThat(s.pending()).isZero();
    }
    List<ConsumerRecord<String, LlmCallEvent>> read =
        readEvents(broker.bootstrapServers(), topic, r -> r.size() >= threads * perThread);
    assertThat(read).hasSize(threads * perThread);
    assertThat(read.stream().map(r -> r.value().getApiKeyFingerprint()).distinct())
        .hasSize(threads);
  }
}
