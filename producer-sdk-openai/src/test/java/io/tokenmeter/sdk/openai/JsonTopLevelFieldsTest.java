package io.tokenmeter.sdk.openai;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonTopLevelFieldsTest {

  private static final String CHAT =
      "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-2024-08-06\","
          + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"{\\\"usage\\\":1}\"}}],"
          + "\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":30,\"total_tokens\":150,"
          + "\"prompt_tokens_details\":{\"cached_tokens\":100},"
          + "\"completion_tokens_details\":{\"reasoning_tokens\":12}},"
          + "\"system_fingerprint\":\"fp_1\"}";

  private static final String KEPT =
      "{\"model\":\"gpt-4o-2024-08-06\",\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":30,"
          + "\"total_tokens\":150,\"prompt_tokens_details\":{\"cached_tokens\":100},"
          + "\"completion_tokens_details\":{\"reasoning_tokens\":12}}}";

  @Test
  void keepsTopLevelModelAndUsageOnly() {
    JsonTopLevelFields fields = new JsonTopLevelFields();
    byte[] body = CHAT.getBytes(StandardCharsets.UTF_8);
    fields.feed(body, 0, body.length);

    assertThat(fields.summary()).isEqualTo(KEPT);
    assertThat(fields.model()).isEqualTo("gpt-4o-2024-08-06");
  }

  @Test
  void givesTheSameResultWhateverTheChunkBoundaries() {
    byte[] body = CHAT.getBytes(StandardCharsets.UTF_8);
    for (int chunk = 1; chunk <= 17; chunk++) {
      JsonTopLevelFields fields = new JsonTopLevelFields();
      byte[] reused = new byte[chunk];
      for (int at = 0; at < body.length; at += chunk) {
        int n = Math.min(chunk, body.length - at);
        // The reader reuses its buffer, as a real one does.
        System.arraycopy(body, at, reused, 0, n);
        fields.feed(reused, 0, n);
      }
      assertThat(fields.summary()).as("chunks of %d bytes", chunk).isEqualTo(KEPT);
    }
  }

  @Test
  void largeDataBeforeTheUsageIsSkippedNotKept() {
    StringBuilder json = new StringBuilder("{\"object\":\"list\",\"data\":[");
    for (int i = 0; i < 2000; i++) {
      json.append(i == 0 ? "" : ",")
          .append("{\"object\":\"embedding\",\"index\":")
          .append(i)
          .append(",\"embedding\":[0.0023064255,-0.009327292,0.015797347]}");
    }
    json.append(
        "],\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":8,\"total_tokens\":8}}");
    JsonTopLevelFields fields = new JsonTopLevelFields();
    byte[] body = json.toString().getBytes(StandardCharsets.UTF_8);
    for (int at = 0; at < body.length; at += 8192) {
      fields.feed(body, at, Math.min(8192, body.length - at));
    }

    assertThat(fields.summary())
        .isEqualTo(
            "{\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":8,\"total_tokens\":8}}");
  }

  @Test
  void bodyCutOffInsideTheUsageGivesNothing() {
    JsonTopLevelFields fields = new JsonTopLevelFields();
    byte[] body = CHAT.getBytes(StandardCharsets.UTF_8);
    fields.feed(body, 0, CHAT.indexOf("\"completion_tokens_details\""));

    assertThat(fields.summary()).isNull();
  }

  @Test
  void malformedBodyGivesNothingAndDoesNotThrow() {
    JsonTopLevelFields fields = new JsonTopLevelFields();
    byte[] body = "{\"model\":\"gpt-4o\",]]]".getBytes(StandardCharsets.UTF_8);
    fields.feed(body, 0, body.length);
    fields.feed(body, 0, body.length);

    assertThat(fields.summary()).isNull();
    assertThat(fields.model()).isNull();
  }

  @Test
  void errorBodyWithoutUsageGivesNothing() {
    JsonTopLevelFields fields = new JsonTopLevelFields();
    byte[] body = "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\"}}"
        .getBytes(StandardCharsets.UTF_8);
    fields.feed(body, 0, body.length);

    assertThat(fields.summary()).isNull();
  }
}
