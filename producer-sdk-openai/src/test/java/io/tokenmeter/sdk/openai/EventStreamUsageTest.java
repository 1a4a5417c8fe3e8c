package io.tokenmeter.sdk.openai;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EventStreamUsageTest {

  private static final String FIRST =
      "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini-2024-07-18\","
          + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}],\"usage\":null}";
  private static final String MIDDLE =
      "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini-2024-07-18\","
          + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\\\"usage\\\": {\"}}],\"usage\":null}";
  private static final String USAGE =
      "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],"
          + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}";

  @Test
  void keepsTheFirstEventAndTheFinalUsageChunk() {
    String stream = event(FIRST) + event(MIDDLE) + event(USAGE) + "data: [DONE]\n\n";

    EventStreamUsage usage = feedInChunks(stream, 8192);

    assertThat(usage.summary()).isEqualTo(event(FIRST) + event(USAGE));
    assertThat(usage.model()).isEqualTo("gpt-4o-mini-2024-07-18");
  }

  @Test
  void givesTheSameResultWhateverTheChunkBoundariesAndLineEndings() {
    String stream =
        (event(FIRST) + event(MIDDLE) + event(USAGE) + "data: [DONE]\n\n").replace("\n", "\r\n");
    for (int chunk = 1; chunk <= 13; chunk++) {
      assertThat(feedInChunks(stream, chunk).summary())
          .as("chunks of %d bytes", chunk)
          .isEqualTo(event(FIRST) + event(USAGE));
    }
  }

  @Test
  void streamWithoutUsageKeepsOnlyTheFirstEvent() {
    String stream = event(FIRST) + event(MIDDLE) + "data: [DONE]\n\n";

    assertThat(feedInChunks(stream, 64).summary()).isEqualTo(event(FIRST));
  }

  @Test
  void responsesStreamNamesItsModelInsideTheResponse() {
    String created =
        "{\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"model\":\"gpt-4.1-2025-04-14\",\"usage\":null}}";
    String completed =
        "{\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"model\":\"gpt-4.1-2025-04-14\","
            + "\"usage\":{\"input_tokens\":5,\"output_tokens\":7,\"total_tokens\":12}}}";
    String stream = "event: response.created\n" + event(created) + "event: response.completed\n"
        + event(completed);

    EventStreamUsage usage = feedInChunks(stream, 100);

    assertThat(usage.summary()).isEqualTo(event(created) + event(completed));
    assertThat(usage.model()).isEqualTo("gpt-4.1-2025-04-14");
  }

  @Test
  void overlongLineIsSkippedWithoutBreakingTheRest() {
    String huge = "{\"pad\":\"" + "x".repeat(EventStreamUsage.MAX_LINE_BYTES) + "\"}";
    String stream = event(FIRST) + event(huge) + event(USAGE);

    assertThat(feedInChunks(stream, 65536).summary()).isEqualTo(event(FIRST) + event(USAGE));
  }

  @Test
  void usageObjectIsToldFromUsageNullAndFromQuotedText() {
    assertThat(EventStreamUsage.hasUsageObject("{\"usage\" : {\"a\":1}}")).isTrue();
    assertThat(EventStreamUsage.hasUsageObject("{\"usage\":null}")).isFalse();
    assertThat(EventStreamUsage.hasUsageObject(MIDDLE)).isFalse();
  }

  private static String event(String json) {
    return "data: " + json + "\n\n";
  }

  private static EventStreamUsage feedInChunks(String stream, int chunk) {
    EventStreamUsage usage = new EventStreamUsage();
    byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
    for (int at = 0; at < bytes.length; at += chunk) {
      usage.feed(bytes, at, Math.min(chunk, bytes.length - at));
    }
    return usage;
  }
}
