package io.tokenmeter.sdk.openai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Keeps two events of a server-sent-event stream as it goes by: the first one (it names the
 * model) and the last one that carries a {@code usage} object. That is where OpenAI puts usage:
 * the final chunk of a Chat Completions stream when {@code stream_options.include_usage} is set
 * (every earlier chunk says {@code "usage":null}), and {@code response.completed} of a Responses
 * stream. A stream without such an event yields no usage, which the event reports as null, not 0.
 */
final class EventStreamUsage implements ResponseUsage {

  /** Longer lines are skipped: no usage event is this large, and memory must stay bounded. */
  static final int MAX_LINE_BYTES = 4 * 1024 * 1024;

  private static final JsonFactory JSON = new JsonFactory();
  private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);

  private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
  private boolean dataLine;
  private boolean skippingLine;
  private String firstEvent;
  private String lastUsageEvent;

  @Override
  public void feed(byte[] bytes, int offset, int length) {
    int end = offset + Math.max(0, length);
    int from = offset;
    for (int i = offset; i < end; i++) {
      if (bytes[i] == '\n') {
        append(bytes, from, i - from);
        endOfLine();
        from = i + 1;
      }
    }
    append(bytes, from, end - from);
  }

  private void append(byte[] bytes, int offset, int length) {
    if (length <= 0 || skippingLine) {
      return;
    }
    if (line.size() + length > MAX_LINE_BYTES) {
      skip();
      return;
    }
    line.write(bytes, offset, length);
    // Decided once per line, as soon as the prefix is there: only data lines are kept.
    if (!dataLine && line.size() >= DATA.length) {
      if (startsWithData()) {
        dataLine = true;
      } else {
        skip();
      }
    }
  }

  private void skip() {
    skippingLine = true;
    line.reset();
  }

  private void endOfLine() {
    if (dataLine && !skippingLine) {
      String payload = new String(
              line.toByteArray(), DATA.length, line.size() - DATA.length, StandardCharsets.UTF_8)
          .strip();
      if (payload.startsWith("{")) {
        if (firstEvent == null) {
          firstEvent = payload;
        }
        if (hasUsageObject(payload)) {
          lastUsageEvent = payload;
        }
      }
    }
    line.reset();
    dataLine = false;
    skippingLine = false;
  }

  private boolean startsWithData() {
    byte[] head = line.toByteArray();
    for (int i = 0; i < DATA.length; i++) {
      if (head[i] != DATA[i]) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code "usage"} is followed by an object, not by {@code null}. A cheap textual test. */
  static boolean hasUsageObject(String json) {
    for (int at = json.indexOf("\"usage\""); at >= 0; at = json.indexOf("\"usage\"", at + 1)) {
      int i = at + 7;
      while (i < json.length() && Character.isWhitespace(json.charAt(i))) {
        i++;
      }
      if (i < json.length() && json.charAt(i) == ':') {
        i++;
        while (i < json.length() && Character.isWhitespace(json.charAt(i))) {
          i++;
        }
        if (i < json.length() && json.charAt(i) == '{') {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public String summary() {
    if (firstEvent == null) {
      return null;
    }
    StringBuilder s = new StringBuilder("data: ").append(firstEvent).append("\n\n");
    if (lastUsageEvent != null && lastUsageEvent != firstEvent) {
      s.append("data: ").append(lastUsageEvent).append("\n\n");
    }
    return s.toString();
  }

  @Override
  public String model() {
    String fromUsageEvent = modelOf(lastUsageEvent);
    return fromUsageEvent != null ? fromUsageEvent : modelOf(firstEvent);
  }

  /** The top-level {@code model}, or that of a Responses stream event's {@code response}. */
  private static String modelOf(String event) {
    if (event == null) {
      return null;
    }
    try (JsonParser p = JSON.createParser(event)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      return modelInObject(p, true);
    } catch (IOException | RuntimeException malformed) {
      return null;
    }
  }

  private static String modelInObject(JsonParser p, boolean mayDescend) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      if (name.equals("model") && value == JsonToken.VALUE_STRING) {
        return p.getText();
      }
      if (name.equals("response") && value == JsonToken.START_OBJECT && mayDescend) {
        String inner = modelInObject(p, false);
        if (inner != null) {
          return inner;
        }
      } else {
        p.skipChildren();
      }
    }
    return null;
  }
}
