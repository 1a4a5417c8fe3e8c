package io.tokenmeter.sdk.internal;

import static io.tokenmeter.sdk.internal.RateLimits.UNKNOWN;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ResponseBodyTest {

  @Test
  void chatCompletionUsageWithCachedAndReasoningTokens() {
    ResponseBody r = ResponseBody.parse("""
            {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-2024-08-06",
             "choices":[{"index":0,"message":{"role":"assistant","content":"hi","model":"not-this"},
                         "finish_reason":"stop"}],
             "usage":{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,
                      "prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},
                      "completion_tokens_details":{"reasoning_tokens":128,"audio_tokens":0}}}
            """);
    assertThat(r.model).isEqualTo("gpt-4o-2024-08-06");
    assertThat(r.inputTokens).isEqualTo(1200);
    assertThat(r.outputTokens).isEqualTo(300);
    assertThat(r.cacheReadInputTokens).isEqualTo(1024);
    assertThat(r.reasoningOutputTokens).isEqualTo(128);
    assertThat(r.cacheCreationInputTokens).isEqualTo(UNKNOWN);
    assertThat(r.streamed).isFalse();
  }

  @Test
  void responsesApiUsageUsesInputAndOutputTokenNames() {
    ResponseBody r = ResponseBody.parse("""
            {"id":"resp_1","object":"response","model":"o4-mini-2025-04-16","output":[],
             "usage":{"input_tokens":80,"input_tokens_details":{"cached_tokens":64},
                      "output_tokens":500,"output_tokens_details":{"reasoning_tokens":448},
                      "total_tokens":580}}
            """);
    assertThat(r.model).isEqualTo("o4-mini-2025-04-16");
    assertThat(r.inputTokens).isEqualTo(80);
    assertThat(r.cacheReadInputTokens).isEqualTo(64);
    assertThat(r.outputTokens).isEqualTo(500);
    assertThat(r.reasoningOutputTokens).isEqualTo(448);
  }

  @Test
  void absentUsageStaysUnknownNeverZero() {
    ResponseBody r = ResponseBody.parse("{\"model\":\"gpt-4o\",\"choices\":[]}");
    assertThat(r.model).isEqualTo("gpt-4o");
    assertThat(r.inputTokens).isEqualTo(UNKNOWN);
    assertThat(r.outputTokens).isEqualTo(UNKNOWN);
    assertThat(r.cacheReadInputTokens).isEqualTo(UNKNOWN);
    assertThat(r.reasoningOutputTokens).isEqualTo(UNKNOWN);
  }

  @Test
  void zeroCachedTokensIsAKnownZero() {
    ResponseBody r = ResponseBody.parse("{\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,"
        + "\"prompt_tokens_details\":{\"cached_tokens\":0}}}");
    assertThat(r.cacheReadInputTokens).isZero();
    assertThat(r.reasoningOutputTokens).isEqualTo(UNKNOWN);
  }

  @Test
  void nullUsageAndNonNumericCountsAreUnknown() {
    assertThat(ResponseBody.parse("{\"usage\":null}").inputTokens).isEqualTo(UNKNOWN);
    ResponseBody r =
        ResponseBody.parse("{\"usage\":{\"prompt_tokens\":\"12\",\"completion_tokens\":1.5,"
            + "\"prompt_tokens_details\":{\"cached_tokens\":-3},"
            + "\"completion_tokens_details\":null}}");
    assertThat(r.inputTokens).isEqualTo(UNKNOWN);
    assertThat(r.outputTokens).isEqualTo(UNKNOWN);
    assertThat(r.cacheReadInputTokens).isEqualTo(UNKNOWN);
    assertThat(r.reasoningOutputTokens).isEqualTo(UNKNOWN);
  }

  @Test
  void countsBeyondALongAreUnknown() {
    ResponseBody r = ResponseBody.parse(
        "{\"usage\":{\"prompt_tokens\":99999999999999999999999,\"completion_tokens\":7}}");
    assertThat(r.inputTokens).isEqualTo(UNKNOWN);
    assertThat(r.outputTokens).isEqualTo(7);
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(
      strings = {
        "   ",
        "not json",
        "{\"usage\":{\"prompt_tokens\":5",
        "{\"usage\":{\"prompt_tokens\":5}} trailing",
        "[1,2,3]",
        "<html>502 Bad Gateway</html>",
      })
  void malformedBodyGivesNothingAndNeverThrows(String body) {
    ResponseBody r = ResponseBody.parse(body);
    assertThat(r.model).isNull();
    assertThat(r.inputTokens).isEqualTo(UNKNOWN);
    assertThat(r.outputTokens).isEqualTo(UNKNOWN);
  }

  @Test
  void largeBodiesAreSkippedThroughNotMaterialised() {
    StringBuilder embedding = new StringBuilder("{\"object\":\"list\",\"data\":[{\"embedding\":[");
    for (int i = 0; i < 200_000; i++) {
      embedding.append(i == 0 ? "" : ",").append("0.0123");
    }
    embedding
        .append("]}],\"model\":\"text-embedding-3-small\",")
        .append("\"usage\":{\"prompt_tokens\":8,\"total_tokens\":8}}");
    ResponseBody r = ResponseBody.parse(embedding.toString());
    assertThat(r.model).isEqualTo("text-embedding-3-small");
    assertThat(r.inputTokens).isEqualTo(8);
    assertThat(r.outputTokens).isEqualTo(UNKNOWN);
  }

  @Test
  void chatStreamTakesUsageFromTheFinalChunk() {
    ResponseBody r = ResponseBody.parse("""
            data: {"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini-2024-07-18","choices":[{"delta":{"content":"Hel"}}],"usage":null}

            data: {"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini-2024-07-18","choices":[{"delta":{"content":"lo"}}],"usage":null}

            data: {"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini-2024-07-18","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}

            data: [DONE]

            """);
    assertThat(r.streamed).isTrue();
    assertThat(r.model).isEqualTo("gpt-4o-mini-2024-07-18");
    assertThat(r.inputTokens).isEqualTo(9);
    assertThat(r.outputTokens).isEqualTo(2);
    assertThat(r.cacheReadInputTokens).isZero();
  }

  @Test
  void chatStreamWithoutIncludeUsageHasNoUsage() {
    ResponseBody r = ResponseBody.parse(
        "data: {\"model\":\"gpt-4o\",\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\r\n\r\n"
            + "data: [DONE]\r\n\r\n");
    assertThat(r.streamed).isTrue();
    assertThat(r.model).isEqualTo("gpt-4o");
    assertThat(r.inputTokens).isEqualTo(UNKNOWN);
  }

  @Test
  void responsesStreamReadsUsageInsideTheCompletedResponse() {
    ResponseBody r = ResponseBody.parse("""
            event: response.created
            data: {"type":"response.created","response":{"model":"gpt-4.1-2025-04-14","usage":null}}

            event: response.completed
            data: {"type":"response.completed","response":{"model":"gpt-4.1-2025-04-14","usage":{"input_tokens":30,"input_tokens_details":{"cached_tokens":0},"output_tokens":12,"output_tokens_details":{"reasoning_tokens":0}}}}

            """);
    assertThat(r.model).isEqualTo("gpt-4.1-2025-04-14");
    assertThat(r.inputTokens).isEqualTo(30);
    assertThat(r.outputTokens).isEqualTo(12);
  }

  @Test
  void anthropicInputTokensIncludeCacheReadsAndWritesAsTheEventDefines() {
    ResponseBody r = ResponseBody.parse("""
            {"id":"msg_1","type":"message","model":"claude-sonnet-4-20250514",
             "usage":{"input_tokens":20,"cache_creation_input_tokens":1000,
                      "cache_read_input_tokens":3000,"output_tokens":150}}
            """);
    assertThat(r.model).isEqualTo("claude-sonnet-4-20250514");
    assertThat(r.inputTokens).isEqualTo(4020);
    assertThat(r.cacheReadInputTokens).isEqualTo(3000);
    assertThat(r.cacheCreationInputTokens).isEqualTo(1000);
    assertThat(r.outputTokens).isEqualTo(150);
  }

  @Test
  void anthropicStreamMergesStartAndDeltaUsage() {
    ResponseBody r = ResponseBody.parse("""
            event: message_start
            data: {"type":"message_start","message":{"model":"claude-3-5-haiku-20241022","usage":{"input_tokens":25,"cache_read_input_tokens":0,"cache_creation_input_tokens":0,"output_tokens":1}}}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":15}}

            event: message_stop
            data: {"type":"message_stop"}
            """);
    assertThat(r.streamed).isTrue();
    assertThat(r.model).isEqualTo("claude-3-5-haiku-20241022");
    assertThat(r.inputTokens).isEqualTo(25);
    assertThat(r.outputTokens).isEqualTo(15);
  }

  @Test
  void errorBodyHasNoUsage() {
    ResponseBody r = ResponseBody.parse(
        "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}");
    assertThat(r.model).isNull();
    assertThat(r.inputTokens).isEqualTo(UNKNOWN);
  }
}
