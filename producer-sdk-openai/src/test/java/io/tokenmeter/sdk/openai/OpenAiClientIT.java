package io.tokenmeter.sdk.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.openai.client.OpenAIClient;
import com.openai.client.OpenAIClientImpl;
import com.openai.client.okhttp.OkHttpClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.ClientOptions;
import com.openai.core.http.Headers;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.RateLimitSnapshot;
import io.tokenmeter.sdk.LlmCall;
import io.tokenmeter.sdk.Tokenmeter;
import io.tokenmeter.sdk.openai.FakeOpenAi.Reply;
import io.tokenmeter.testkit.KafkaBroker;
import java.io.ByteArrayOutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The real OpenAI Java client, pointed at a real HTTP server on 127.0.0.1 that plays the OpenAI
 * API, metered into a real Kafka broker. Every scenario runs through both ways in ({@link
 * Route}), asserts the events read back from the topic field by field, and asserts that the
 * caller gets exactly what an unmetered client gets from the same replies.
 */
class OpenAiClientIT {

  /** The two ways to put Tokenmeter into an OpenAI client. */
  enum Route {
    /** {@code OpenAIOkHttpClient.builder().addInterceptor(TokenmeterOpenAi.interceptor(tm))} */
    INTERCEPTOR,
    /** {@code ClientOptions.builder().httpClient(TokenmeterOpenAi.wrap(transport, tm))} */
    TRANSPORT
  }

  private static final String FINGERPRINT_SECRET = "it-secret-0123456789abcdef0123456789abcdef";
  // Unique per run, so nothing else in the log or the topic can contain it by accident.
  private static final String SECRET_PART =
      "LEAK" + UUID.randomUUID().toString().replace("-", "");
  private static final String KEY = "sk-proj-" + SECRET_PART + "9z8y";
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final AtomicInteger TOPICS = new AtomicInteger();

  private static final Map<String, String> RATE_LIMITS = Map.of(
      "x-ratelimit-limit-requests", "10000",
      "x-ratelimit-remaining-requests", "9999",
      "x-ratelimit-reset-requests", "6m0s",
      "x-ratelimit-limit-tokens", "2000000",
      "x-ratelimit-remaining-tokens", "1999850",
      "x-ratelimit-reset-tokens", "12ms");
  private static final RateLimitSnapshot RATE_LIMIT_SNAPSHOT =
      new RateLimitSnapshot(10000L, 2000000L, 9999L, 1999850L, 360000L, 12L);

  private static final Reply CHAT = Reply.json(
      200,
      "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1700000000,"
          + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":"
          + "{\"role\":\"assistant\",\"content\":\"Hello!\",\"refusal\":null},\"logprobs\":null,"
          + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":30,"
          + "\"total_tokens\":150,\"prompt_tokens_details\":{\"cached_tokens\":100,\"audio_tokens\":0},"
          + "\"completion_tokens_details\":{\"reasoning_tokens\":12,\"audio_tokens\":0}},"
          + "\"system_fingerprint\":\"fp_1\"}",
      RATE_LIMITS);

  private static final Reply RATE_LIMITED = Reply.json(
      429,
      "{\"error\":{\"message\":\"Rate limit reached for gpt-4o-mini\",\"type\":\"requests\","
          + "\"param\":null,\"code\":\"rate_limit_exceeded\"}}",
      Map.of(
          "Retry-After", "20",
          "x-ratelimit-limit-requests", "10000",
          "x-ratelimit-remaining-requests", "0",
          "x-ratelimit-reset-requests", "20s"));

  private static final String CHUNK =
      "{\"id\":\"chatcmpl-2\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
          + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":%s%s}";

  private static final Reply EMBEDDING = Reply.json(
      200,
      "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
          + "\"embedding\":[0.0023064255,-0.009327292,0.015797347]}],"
          + "\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":8,\"total_tokens\":8}}",
      Map.of());

  // "user" is deprecated by OpenAI but still sent by many clients, and it is what end_user reads.
  @SuppressWarnings("deprecation")
  private static final ChatCompletionCreateParams SAY_HELLO = ChatCompletionCreateParams.builder()
      .model("gpt-4o-mini")
      .addUserMessage("Say hello")
      .user("end-user-7")
      .build();

  private static KafkaBroker broker;
  private static FakeOpenAi openAi;
  /** A call recorded by hand with the same key: the fingerprint, hint and SDK info to expect. */
  private static LlmCallEvent reference;

  private final List<OpenAIClient> clients = new ArrayList<>();
  private String topic;
  private Tokenmeter tm;
  private Instant testStart;

  @BeforeAll
  static void startBrokerAndServer() throws Exception {
    broker = KafkaBroker.start();
    openAi = FakeOpenAi.start();
    String referenceTopic = "llm.calls.reference";
    Topics.create(broker.bootstrapServers(), referenceTopic);
    try (Tokenmeter byHand = tokenmeter(referenceTopic)) {
      byHand.record(LlmCall.builder()
          .provider("openai")
          .operation("chat")
          .requestModel("any")
          .apiKey(KEY)
          .build());
      assertThat(byHand.flush(PATIENCE)).isTrue();
    }
    reference = Topics.events(broker.bootstrapServers(), referenceTopic).get(0);
    assertThat(reference.getApiKeyHint()).isEqualTo("sk-...9z8y");
  }

  @AfterAll
  static void stopBrokerAndServer() {
    if (openAi != null) {
      openAi.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  @BeforeEach
  void freshTopicAndTokenmeter() throws Exception {
    topic = "llm.calls.openai-" + TOPICS.incrementAndGet();
    Topics.create(broker.bootstrapServers(), topic);
    tm = tokenmeter(topic);
    testStart = Instant.now();
  }

  @AfterEach
  void closeClientsAndTokenmeter() {
    clients.forEach(OpenAIClient::close);
    tm.close();
  }

  @ParameterizedTest
  @EnumSource(Route.class)
  void chatCompletionBecomesOneEventWithUsageCacheReasoningAndRateLimits(Route route) {
    openAi.enqueue(CHAT, CHAT);

    ChatCompletion plain = plainClient(0, PATIENCE).chat().completions().create(SAY_HELLO);
    ChatCompletion metered =
        meteredClient(route, 0, PATIENCE).chat().completions().create(SAY_HELLO);

    assertThat(metered).isEqualTo(plain);
    assertThat(metered.choices().get(0).message().content()).hasValue("Hello!");
    assertThat(events(1))
        .containsExactly(expected("chat", "gpt-4o-mini")
            .setEndUser("end-user-7")
            .setResponseModel("gpt-4o-mini-2024-07-18")
            .setInputTokens(120L)
            .setOutputTokens(30L)
            .setCacheReadInputTokens(100L)
            .setReasoningOutputTokens(12L)
            .setStatusCode(200)
            .setRateLimit(RATE_LIMIT_SNAPSHOT)
            .build());
  }

  @ParameterizedTest
  @EnumSource(Route.class)
  void rateLimitedCallIsRecordedAndTheCallerGetsTheSameException(Route route) {
    openAi.enqueue(RATE_LIMITED, RATE_LIMITED);

    Throwable plain =
        catchThrowable(() -> plainClient(0, PATIENCE).chat().completions().create(SAY_HELLO));
    Throwable metered = catchThrowable(
        () -> meteredClient(route, 0, PATIENCE).chat().completions().create(SAY_HELLO));

    assertSameFailure(metered, plain);
    assertThat(((OpenAIServiceException) metered).statusCode()).isEqualTo(429);
    assertThat(events(1))
        .containsExactly(expected("chat", "gpt-4o-mini")
            .setEndUser("end-user-7")
            .setStatusCode(429)
            .setErrorType("rate_limited")
            .setRateLimit(new RateLimitSnapshot(10000L, null, 0L, null, 20000L, null))
            .build());
  }

  @ParameterizedTest
  @EnumSource(Route.class)
  void eachRetryAttemptIsItsOwnEvent(Route route) {
    Reply retrySoon =
        Reply.json(429, "{\"error\":{\"message\":\"slow down\"}}", Map.of("retry-after-ms", "10"));
    openAi.enqueue(retrySoon, CHAT);

    ChatCompletion answer =
        meteredClient(route, 1, PATIENCE).chat().completions().create(SAY_HELLO);

    assertThat(answer.id()).isEqualTo("chatcmpl-1");
    assertThat(events(2))
        .extracting(
            LlmCallEvent::getStatusCode, LlmCallEvent::getErrorType, LlmCallEvent::getInputTokens)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(429, "rate_limited", null),
            org.assertj.core.groups.Tuple.tuple(200, null, 120L));
  }

  @ParameterizedTest
  @EnumSource(Route.class)
  void streamedChatTakesUsageFromTheFinalChunkAndTimesTheFirstToken(Route route) {
    Reply stream = Reply.eventStream(List.of(
        event(chunk(
            "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]",
            true)),
        event(
            chunk("[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}]", true)),
        event(chunk("[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":null}]", true)),
        event(chunk("[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]", true)),
        event(String.format(
            CHUNK,
            "[]",
            ",\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":0},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":0}}")),
        "data: [DONE]\n\n"));
    openAi.enqueue(stream, stream);
    ChatCompletionCreateParams params = SAY_HELLO.toBuilder()
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
        .build();

    List<ChatCompletionChunk> plain =
        streamAll(() -> plainClient(0, PATIENCE).chat().completions().createStreaming(params));
    List<ChatCompletionChunk> metered = streamAll(
        () -> meteredClient(route, 0, PATIENCE).chat().completions().createStreaming(params));

    assertThat(metered).hasSize(5).isEqualTo(plain);
    List<LlmCallEvent> events = rawEvents(1);
    LlmCallEvent e = events.get(0);
    assertThat(e.getTimeToFirstTokenMs()).isNotNull().isBetween(0L, e.getDurationMs());
    assertThat(normalised(events))
        .containsExactly(expected("chat", "gpt-4o-mini")
            .setEndUser("end-user-7")
            .setResponseModel("gpt-4o-mini-2024-07-18")
            .setInputTokens(9L)
            .setOutputTokens(2L)
            .setCacheReadInputTokens(0L)
            .setReasoningOutputTokens(0L)
            .setStatusCode(200)
            .setStreaming(true)
            .build());
  }

  @ParameterizedTest
  @EnumSource(Route.class)
  void streamWithoutIncludeUsageHasNullUsageNotZero(Route route) {
    openAi.enqueue(Reply.eventStream(List.of(
        event(chunk(
            "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"finish_reason\":null}]",
            false)),
        event(chunk("[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]", false)),
        "data: [DONE]\n\n")));

    List<ChatCompletionChunk> chunks = streamAll(
        () -> meteredClient(route, 0, PATIENCE).chat().completions().createStreaming(SAY_HELLO));

    assertThat(chunks).hasSize(2);
    assertThat(events(1))
        .containsExactly(expected("chat", "gpt-4o-mini")
            .setEndUser("end-user-7")
            .setResponseModel("gpt-4o-mini-2024-07-18")
            .setStatusCode(200)
            .setStreaming(true)
            .build());
  }

  @ParameterizedTest
  @EnumSource(Route.class)
  void streamCutOffMidwayIsRecordedAsNetworkErrorWithItsStatus(Route route) {
    Reply cut = Reply.eventStream(List.of(
            event(chunk(
                "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"},\"finish_reason\":null}]",
                true)),
            "data: {\"id\":\"chatcmpl-2\",\"obj"))
        .cutOff();
    openAi.enqueue(cut, cut);

    Throwable plain = catchThrowable(() ->
        streamAll(() -> plainClient(0, PATIENCE).chat().completions().createStreaming(SAY_HELLO)));
    Throwable metered = catchThrowable(() -> streamAll(
        () -> meteredClient(route, 0, PATIENCE).chat().completions().createStreaming(SAY_HELLO)));

    assertSameFailure(metered, plain);
    assertThat(events(1))
        .containsExactly(expected("chat", "gpt-4o-mini")
            .setEndUser("end-user-7")
            .setResponseModel("gpt-4o-mini-2024-07-18")
            .setStatusCode(200)
            .setErrorType("network")
            .setStreaming(true)
            .build());
  }

  @ParameterizedTest
  @EnumSource(Route.class)
  void embeddingsCallIsRecordedWithItsInputTokens(Route route) {
    openAi.enqueue(EMBEDDING, EMBEDDING);
    EmbeddingCreateParams params = EmbeddingCreateParams.builder()
        .model("text-embedding-3-small")
        .input("The food was delicious")
        .build();

    CreateEmbeddingResponse plain = plainClient(0, PATIENCE).embeddings().create(params);
    CreateEmbeddingResponse metered =
        meteredClient(route, 0, PATIENCE).embeddings().create(params);

    assertThat(metered).isEqualTo(plain);
    assertThat(events(1))
        .containsExactly(expected("embeddings", "text-embedding-3-small")
            .setResponseModel("text-embedding-3-small")
            .setInputTokens(8L)
            .setStatusCode(200)
            .build());
  }

  @ParameterizedTest
  @EnumSource(Route.class)
  void asyncCallIsRecordedLikeABlockingOne(Route route) throws Exception {
    openAi.enqueue(CHAT, CHAT);

    ChatCompletion plain = plainClient(0, PATIENCE)
        .async()
        .chat()
        .completions()
        .create(SAY_HELLO)
        .get(30, TimeUnit.SECONDS);
    ChatCompletion metered = meteredClient(route, 0, PATIENCE)
        .async()
        .chat()
        .completions()
        .create(SAY_HELLO)
        .get(30, TimeUnit.SECONDS);

    assertThat(metered).isEqualTo(plain);
    assertThat(events(1))
        .extracting(
            LlmCallEvent::getOperation, LlmCallEvent::getStatusCode, LlmCallEvent::getInputTokens)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("chat", 200, 120L));
  }

  @ParameterizedTest
  @EnumSource(Route.class)
  void refusedConnectionIsRecordedAsNetworkErrorAndRethrownUnchanged(Route route) throws Exception {
    String nowhere;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      nowhere = "http://127.0.0.1:" + s.getLocalPort() + "/v1";
    }

    Throwable plain = catchThrowable(
        () -> plainClient(nowhere, 0, PATIENCE).chat().completions().create(SAY_HELLO));
    Throwable metered = catchThrowable(
        () -> meteredClient(route, nowhere, 0, PATIENCE).chat().completions().create(SAY_HELLO));

    assertSameFailure(metered, plain);
    assertThat(events(1))
        .containsExactly(expected("chat", "gpt-4o-mini")
            .setEndUser("end-user-7")
            .setErrorType("network")
            .build());
  }

  @ParameterizedTest
  @EnumSource(Route.class)
  void callThatTimesOutIsRecordedAsTimeout(Route route) {
    CountDownLatch release = new CountDownLatch(1);
    openAi.enqueue(CHAT.heldUntil(release), CHAT.heldUntil(release));
    Duration shortTimeout = Duration.ofMillis(500);
    try {
      Throwable plain =
          catchThrowable(() -> plainClient(0, shortTimeout).chat().completions().create(SAY_HELLO));
      Throwable metered = catchThrowable(
          () -> meteredClient(route, 0, shortTimeout).chat().completions().create(SAY_HELLO));

      assertSameFailure(metered, plain);
    } finally {
      release.countDown();
    }
    assertThat(events(1))
        .containsExactly(expected("chat", "gpt-4o-mini")
            .setEndUser("end-user-7")
            .setErrorType("timeout")
            .build());
  }

  @ParameterizedTest
  @EnumSource(Route.class)
  void unparseableResponseFailsTheCallerExactlyAsWithoutMetering(Route route) {
    Reply broken = Reply.json(200, "{\"id\": \"chatcmpl-3\", \"choices\": [oops", Map.of());
    openAi.enqueue(broken, broken);

    Throwable plain =
        catchThrowable(() -> plainClient(0, PATIENCE).chat().completions().create(SAY_HELLO));
    Throwable metered = catchThrowable(
        () -> meteredClient(route, 0, PATIENCE).chat().completions().create(SAY_HELLO));

    assertSameFailure(metered, plain);
    assertThat(events(1))
        .containsExactly(expected("chat", "gpt-4o-mini")
            .setEndUser("end-user-7")
            .setStatusCode(200)
            .build());
  }

  @ParameterizedTest
  @EnumSource(Route.class)
  void requestsThatRunNoModelPassThroughUnrecorded(Route route) {
    Reply models = Reply.json(
        200,
        "{\"object\":\"list\",\"data\":[{\"id\":\"gpt-4o-mini\",\"object\":\"model\",\"created\":1,\"owned_by\":\"openai\"}]}",
        Map.of());
    openAi.enqueue(models, models);

    var plain = plainClient(0, PATIENCE).models().list().data();
    var metered = meteredClient(route, 0, PATIENCE).models().list().data();

    assertThat(metered).isEqualTo(plain).hasSize(1);
    assertThat(events(0)).isEmpty();
    assertThat(tm.stats().recorded()).isZero();
  }

  @ParameterizedTest
  @EnumSource(Route.class)
  void closedTokenmeterNeitherFailsNorChangesTheCall(Route route) {
    openAi.enqueue(CHAT, CHAT);
    OpenAIClient client = meteredClient(route, 0, PATIENCE);
    tm.close();

    ChatCompletion plain = plainClient(0, PATIENCE).chat().completions().create(SAY_HELLO);
    ChatCompletion metered = client.chat().completions().create(SAY_HELLO);

    assertThat(metered).isEqualTo(plain);
    assertThat(tm.stats().droppedClosed()).isEqualTo(1);
  }

  @Test
  void plaintextKeyIsInNoEmittedByteAndNoLogLine() throws Exception {
    for (Route route : Route.values()) {
      openAi.enqueue(CHAT, RATE_LIMITED, EMBEDDING);
      OpenAIClient client = meteredClient(route, 0, PATIENCE);
      client.chat().completions().create(SAY_HELLO);
      catchThrowable(() -> client.chat().completions().create(SAY_HELLO));
      client
          .embeddings()
          .create(EmbeddingCreateParams.builder()
              .model("text-embedding-3-small")
              .input("x")
              .build());
    }
    assertThat(openAi.received())
        .as("the key was there to leak: the server got it")
        .allSatisfy(
            r -> assertThat(r.headers().get("Authorization")).containsExactly("Bearer " + KEY));

    List<LlmCallEvent> events = events(6);
    assertThat(events)
        .extracting(LlmCallEvent::getApiKeyFingerprint)
        .containsOnly(reference.getApiKeyFingerprint());
    ByteArrayOutputStream everything = new ByteArrayOutputStream();
    for (ConsumerRecord<byte[], byte[]> r : Topics.records(broker.bootstrapServers(), topic)) {
      everything.write(r.key() == null ? new byte[0] : r.key());
      everything.write(r.value());
      for (Header h : r.headers()) {
        everything.write(h.key().getBytes(StandardCharsets.UTF_8));
        everything.write(h.value() == null ? new byte[0] : h.value());
      }
    }
    // ISO-8859-1 maps every byte to one char, so a substring search is a byte search.
    String onTheWire = everything.toString(StandardCharsets.ISO_8859_1);
    assertThat(onTheWire).as("the scan sees the events").contains(reference.getApiKeyFingerprint());
    assertNoPartOfTheKey(onTheWire, "the records on the topic");

    Path log = Path.of(System.getProperty(
        "org.slf4j.simpleLogger.logFile", "target/openai-integration-tests.log"));
    String logText = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(logText).as("the scan sees the log output").contains("Tokenmeter[topic=" + topic);
    assertNoPartOfTheKey(logText, "the log output");
  }

  // ---- clients

  private OpenAIClient plainClient(int maxRetries, Duration timeout) {
    return plainClient(openAi.baseUrl(), maxRetries, timeout);
  }

  private OpenAIClient plainClient(String baseUrl, int maxRetries, Duration timeout) {
    return keep(openAiBuilder(baseUrl, maxRetries, timeout).build());
  }

  private OpenAIClient meteredClient(Route route, int maxRetries, Duration timeout) {
    return meteredClient(route, openAi.baseUrl(), maxRetries, timeout);
  }

  private OpenAIClient meteredClient(
      Route route, String baseUrl, int maxRetries, Duration timeout) {
    return keep(
        switch (route) {
          case INTERCEPTOR ->
            openAiBuilder(baseUrl, maxRetries, timeout)
                .addInterceptor(TokenmeterOpenAi.interceptor(tm))
                .build();
          case TRANSPORT ->
            new OpenAIClientImpl(ClientOptions.builder()
                .httpClient(TokenmeterOpenAi.wrap(
                    OkHttpClient.builder().timeout(timeout).build(), tm))
                .baseUrl(baseUrl)
                .apiKey(KEY)
                .organization("org_it")
                .project("proj_it")
                .maxRetries(maxRetries)
                .timeout(timeout)
                .build());
        });
  }

  private static OpenAIOkHttpClient.Builder openAiBuilder(
      String baseUrl, int maxRetries, Duration timeout) {
    return OpenAIOkHttpClient.builder()
        .baseUrl(baseUrl)
        .apiKey(KEY)
        .organization("org_it")
        .project("proj_it")
        .maxRetries(maxRetries)
        .timeout(timeout);
  }

  private OpenAIClient keep(OpenAIClient client) {
    clients.add(client);
    return client;
  }

  private static Tokenmeter tokenmeter(String topic) {
    return Tokenmeter.builder()
        .bootstrapServers(broker.bootstrapServers())
        .topic(topic)
        .service("it-service")
        .environment("it")
        .fingerprintSecret(FINGERPRINT_SECRET)
        .build();
  }

  private static <T> List<T> streamAll(Supplier<StreamResponse<T>> call) {
    try (StreamResponse<T> stream = call.get()) {
      return stream.stream().toList();
    }
  }

  // ---- replies

  private static String chunk(String choices, boolean usageNull) {
    return String.format(CHUNK, choices, usageNull ? ",\"usage\":null" : "");
  }

  private static String event(String json) {
    return "data: " + json + "\n\n";
  }

  // ---- events

  /** The events of this test's topic once {@code count} calls were recorded and sent, as sent. */
  private List<LlmCallEvent> rawEvents(int count) {
    await().atMost(PATIENCE).until(() -> tm.stats().recorded() >= count);
    assertThat(tm.flush(PATIENCE)).isTrue();
    assertThat(tm.stats().sent()).isEqualTo(count);
    assertThat(tm.stats().dropped()).as("nothing failed inside the integration").isZero();
    return Topics.events(broker.bootstrapServers(), topic);
  }

  /** As {@link #rawEvents}, with the values that differ per run checked and then blanked. */
  private List<LlmCallEvent> events(int count) {
    return normalised(rawEvents(count));
  }

  private List<LlmCallEvent> normalised(List<LlmCallEvent> events) {
    Instant now = Instant.now();
    List<LlmCallEvent> out = new ArrayList<>();
    for (LlmCallEvent e : events) {
      assertThat(e.getEventId()).isNotBlank();
      assertThat(e.getTimestamp()).isBetween(testStart.minusSeconds(1), now);
      assertThat(e.getDurationMs())
          .isNotNull()
          .isBetween(0L, Duration.between(testStart, now).toMillis() + 1);
      LlmCallEvent copy = LlmCallEvent.newBuilder(e).build();
      copy.setEventId("");
      copy.setTimestamp(Instant.EPOCH);
      copy.setDurationMs(null);
      copy.setTimeToFirstTokenMs(null);
      out.add(copy);
    }
    return out;
  }

  /** An event as the integration makes it for this test's client, before the call's outcome. */
  private static LlmCallEvent.Builder expected(String operation, String requestModel) {
    return LlmCallEvent.newBuilder()
        .setEventId("")
        .setTimestamp(Instant.EPOCH)
        .setSdk(reference.getSdk())
        .setService("it-service")
        .setEnvironment("it")
        .setOrgId("org_it")
        .setProjectId("proj_it")
        .setApiKeyFingerprint(reference.getApiKeyFingerprint())
        .setApiKeyHint(reference.getApiKeyHint())
        .setEndUser(null)
        .setProvider("openai")
        .setOperation(operation)
        .setRequestModel(requestModel)
        .setResponseModel(null)
        .setInputTokens(null)
        .setOutputTokens(null)
        .setCacheReadInputTokens(null)
        .setCacheCreationInputTokens(null)
        .setReasoningOutputTokens(null)
        .setDurationMs(null)
        .setTimeToFirstTokenMs(null)
        .setStatusCode(null)
        .setErrorType(null)
        .setStreaming(false)
        .setRateLimit(null);
  }

  // ---- the caller's view

  /** The same exception, as far as a caller can tell: type, message, cause, status, headers, body. */
  private static void assertSameFailure(Throwable metered, Throwable plain) {
    assertThat(plain).as("the unmetered call fails too").isNotNull();
    assertThat(metered).isNotNull().hasSameClassAs(plain).hasMessage(plain.getMessage());
    if (plain.getCause() != null) {
      assertThat(metered.getCause()).hasSameClassAs(plain.getCause());
    }
    if (plain instanceof OpenAIServiceException p) {
      OpenAIServiceException m = (OpenAIServiceException) metered;
      assertThat(m.statusCode()).isEqualTo(p.statusCode());
      assertThat(m.body()).isEqualTo(p.body());
      assertThat(withoutDate(m.headers())).isEqualTo(withoutDate(p.headers()));
    }
  }

  private static Map<String, List<String>> withoutDate(Headers headers) {
    Map<String, List<String>> out = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (String name : headers.names()) {
      if (!name.equalsIgnoreCase("Date")) {
        out.put(name, headers.values(name));
      }
    }
    return out;
  }

  /** Neither the key nor any 8-character piece of its secret part. */
  private static void assertNoPartOfTheKey(String text, String where) {
    assertThat(text).as(where).doesNotContain(KEY);
    for (int i = 0; i + 8 <= SECRET_PART.length(); i++) {
      String piece = SECRET_PART.substring(i, i + 8);
      assertThat(text).as("%s contains the key piece %s", where, piece).doesNotContain(piece);
    }
  }
}
