package io.tokenmeter.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LlmCallTest {

  private static final String KEY = "sk-proj-TOSTRINGxTESTxKEYx0000000000000000000000wxyz";

  @Test
  void toStringShowsTheHintNeverTheKey() {
    LlmCall call = LlmCall.builder()
        .provider("openai")
        .operation("chat")
        .requestModel("gpt-4o")
        .apiKey(KEY)
        .build();
    assertThat(call.toString())
        .contains("provider=openai", "apiKey=sk-...wxyz (redacted)")
        .doesNotContain(KEY)
        .doesNotContain("TOSTRING");
  }

  @Test
  void builderAcceptsAnythingWithoutThrowing() {
    assertThatCode(() -> LlmCall.builder()
            .provider(null)
            .apiKey(null)
            .inputTokens(-1)
            .statusCode(-7)
            .durationMs(-3)
            .timestamp(null)
            .responseBody(null)
            .responseBody("{broken")
            .rateLimitHeaders((java.net.http.HttpHeaders) null)
            .rateLimitHeaders((Map<String, String>) null)
            .error(null)
            .build()
            .toString())
        .doesNotThrowAnyException();
  }

  @Test
  void unsetTimestampIsBuildTimeMinusDuration() {
    long before = System.currentTimeMillis();
    LlmCall call = LlmCall.builder().durationMs(1_000).build();
    long after = System.currentTimeMillis();
    assertThat(call.timestampMillis).isBetween(before - 1_000, after - 1_000);
  }

  @Test
  void explicitTimestampIsKept() {
    Instant t = Instant.parse("2026-03-01T10:00:00.123Z");
    assertThat(LlmCall.builder().timestamp(t).durationMs(5_000).build().timestampMillis)
        .isEqualTo(t.toEpochMilli());
  }

  @Test
  void responseBodyFillsUsageAndModelButKeepsWhatTheBodyLacks() {
    LlmCall call = LlmCall.builder()
        .responseModel("set-by-hand")
        .cacheCreationInputTokens(7)
        .responseBody(
            "{\"model\":\"gpt-4o-2024-08-06\",\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":2}}")
        .build();
    assertThat(call.responseModel).isEqualTo("gpt-4o-2024-08-06");
    assertThat(call.inputTokens).isEqualTo(10);
    assertThat(call.outputTokens).isEqualTo(2);
    assertThat(call.cacheCreationInputTokens).isEqualTo(7);
    assertThat(call.reasoningOutputTokens).isEqualTo(LlmCall.UNKNOWN);
  }

  @Test
  void rateLimitHeadersFromAMapIgnoreCase() {
    Map<String, String> headers = new HashMap<>();
    headers.put("X-RateLimit-Remaining-Tokens", "4850");
    headers.put("X-RateLimit-Reset-Tokens", "6m0s");
    LlmCall call = LlmCall.builder().rateLimitHeaders(headers).build();
    assertThat(call.rateLimits.remainingTokens).isEqualTo(4850);
    assertThat(call.rateLimits.resetTokensMs).isEqualTo(360_000);
  }

  @Test
  void toBuilderCopiesEveryValue() {
    LlmCall original = LlmCall.builder()
        .provider("anthropic")
        .operation("chat")
        .requestModel("claude")
        .apiKey(KEY)
        .orgId("o")
        .projectId("p")
        .endUser("u")
        .inputTokens(1)
        .outputTokens(2)
        .cacheReadInputTokens(3)
        .cacheCreationInputTokens(4)
        .reasoningOutputTokens(5)
        .durationMs(6)
        .timeToFirstTokenMs(7)
        .statusCode(200)
        .streaming(true)
        .eventId("e")
        .build();
    assertThat(original.toBuilder().build()).usingRecursiveComparison().isEqualTo(original);
  }
}
