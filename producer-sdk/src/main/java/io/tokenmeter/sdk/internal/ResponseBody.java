package io.tokenmeter.sdk.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * What a provider's response body says about usage and the answering model. It reads OpenAI Chat
 * Completions ({@code usage.prompt_tokens}, {@code prompt_tokens_details.cached_tokens}, ...), the
 * Responses API ({@code usage.input_tokens}, {@code input_tokens_details.cached_tokens}, ...) and
 * Anthropic Messages ({@code cache_read_input_tokens}, ...), either as one JSON document or as a
 * server-sent-event stream of them.
 *
 * <p>Absent usage stays {@link RateLimits#UNKNOWN}, never 0. A malformed body gives nothing at all:
 * a half-read document is not trusted. Parsing never throws.
 */
public final class ResponseBody {

  /** Nothing known. */
  public static final ResponseBody EMPTY = new ResponseBody(null, -1, -1, -1, -1, -1, false);

  // Thread-safe and reusable; streaming keeps large bodies (embeddings) from becoming a tree.
  private static final JsonFactory JSON = new JsonFactory();
  // Only a top-level "response" (Responses API stream events) or "message" (Anthropic
  // message_start) is looked into; usage deeper down belongs to something else.
  private static final int MAX_CONTAINER_DEPTH = 1;

  public final String model;
  public final long inputTokens;
  public final long outputTokens;
  public final long cacheReadInputTokens;
  public final long cacheCreationInputTokens;
  public final long reasoningOutputTokens;
  /** Whether the body was a server-sent-event stream. */
  public final boolean streamed;

  private ResponseBody(
      String model,
      long inputTokens,
      long outputTokens,
      long cacheReadInputTokens,
      long cacheCreationInputTokens,
      long reasoningOutputTokens,
      boolean streamed) {
    this.model = model;
    this.inputTokens = inputTokens;
    this.outputTokens = outputTokens;
    this.cacheReadInputTokens = cacheReadInputTokens;
    this.cacheCreationInputTokens = cacheCreationInputTokens;
    this.reasoningOutputTokens = reasoningOutputTokens;
    this.streamed = streamed;
  }

  /** Parses a JSON document or an SSE stream of them; anything else gives {@link #EMPTY}. */
  public static ResponseBody parse(String body) {
    if (body == null) {
      return EMPTY;
    }
    int first = firstNonWhitespace(body);
    if (first < 0) {
      return EMPTY;
    }
    Accumulator acc = new Accumulator();
    try {
      if (body.charAt(first) == '{') {
        readDocument(body, first, body.length(), acc);
        return acc.result(false);
      }
      if (body.startsWith("data:", first)
          || body.startsWith("event:", first)
          || body.charAt(first) == ':') {
        readEventStream(body, acc);
        return acc.result(true);
      }
    } catch (IOException | RuntimeException malformed) {
      // A body that is not what a provider sends yields no usage rather than a failed record().
      return EMPTY;
    }
    return EMPTY;
  }

  private static void readEventStream(String body, Accumulator acc) throws IOException {
    int pos = 0;
    int n = body.length();
    while (pos < n) {
      int end = body.indexOf('\n', pos);
      if (end < 0) {
        end = n;
      }
      if (body.startsWith("data:", pos)) {
        int from = pos + 5;
        int to = end;
        while (from < to && Character.isWhitespace(body.charAt(from))) {
          from++;
        }
        while (to > from && Character.isWhitespace(body.charAt(to - 1))) {
          to--;
        }
        // "[DONE]" and other non-JSON payloads carry nothing to read.
        if (from < to && body.charAt(from) == '{') {
          readDocument(body, from, to, acc);
        }
      }
      pos = end + 1;
    }
  }

  private static void readDocument(String body, int from, int to, Accumulator acc)
      throws IOException {
    try (JsonParser p = JSON.createParser(body.substring(from, to))) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not a JSON object");
      }
      readObject(p, acc, 0);
      if (p.nextToken() != null) {
        throw new IOException("trailing content after the JSON object");
      }
    }
  }

  /** Reads the fields of the object whose START_OBJECT was just consumed. */
  private static void readObject(JsonParser p, Accumulator acc, int depth) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      switch (name) {
        case "model":
          if (value == JsonToken.VALUE_STRING) {
            acc.model = p.getText();
          } else {
            p.skipChildren();
          }
          break;
        case "usage":
          if (value == JsonToken.START_OBJECT) {
            readUsage(p, acc);
          } else {
            p.skipChildren(); // "usage": null in all but the last chunk of a stream
          }
          break;
        case "response":
        case "message":
          if (value == JsonToken.START_OBJECT && depth < MAX_CONTAINER_DEPTH) {
            readObject(p, acc, depth + 1);
          } else {
            p.skipChildren();
          }
          break;
        default:
          p.skipChildren();
      }
    }
  }

  private static void readUsage(JsonParser p, Accumulator acc) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      switch (name) {
        case "prompt_tokens":
        case "input_tokens":
          acc.input = merge(acc.input, count(p, value));
          break;
        case "completion_tokens":
        case "output_tokens":
          acc.output = merge(acc.output, count(p, value));
          break;
        case "prompt_tokens_details":
        case "input_tokens_details":
          acc.cacheRead = merge(acc.cacheRead, detail(p, value, "cached_tokens"));
          break;
        case "completion_tokens_details":
        case "output_tokens_details":
          acc.reasoning = merge(acc.reasoning, detail(p, value, "reasoning_tokens"));
          break;
        case "cache_read_input_tokens":
          acc.anthropicCacheRead = merge(acc.anthropicCacheRead, count(p, value));
          break;
        case "cache_creation_input_tokens":
          acc.cacheCreation = merge(acc.cacheCreation, count(p, value));
          acc.anthropicStyle = true;
          break;
        default:
          p.skipChildren();
      }
    }
  }

  private static long detail(JsonParser p, JsonToken value, String field) throws IOException {
    if (value != JsonToken.START_OBJECT) {
      p.skipChildren();
      return RateLimits.UNKNOWN;
    }
    long found = RateLimits.UNKNOWN;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      if (name.equals(field)) {
        found = count(p, v);
      } else {
        p.skipChildren();
      }
    }
    return found;
  }

  /** A token count: a non-negative JSON integer that fits a long, else unknown. */
  private static long count(JsonParser p, JsonToken value) throws IOException {
    if (value != JsonToken.VALUE_NUMBER_INT) {
      p.skipChildren();
      return RateLimits.UNKNOWN;
    }
    if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      return RateLimits.UNKNOWN;
    }
    long v = p.getLongValue();
    return v < 0 ? RateLimits.UNKNOWN : v;
  }

  /** In a stream, a later chunk's known value replaces an earlier one; unknown never erases. */
  private static long merge(long earlier, long later) {
    return later == RateLimits.UNKNOWN ? earlier : later;
  }

  private static int firstNonWhitespace(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (!Character.isWhitespace(s.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  private static final class Accumulator {
    String model;
    long input = RateLimits.UNKNOWN;
    long output = RateLimits.UNKNOWN;
    long cacheRead = RateLimits.UNKNOWN;
    long anthropicCacheRead = RateLimits.UNKNOWN;
    long cacheCreation = RateLimits.UNKNOWN;
    long reasoning = RateLimits.UNKNOWN;
    boolean anthropicStyle;

    ResponseBody result(boolean streamed) {
      long cached = cacheRead;
      long totalInput = input;
      if (anthropicCacheRead != RateLimits.UNKNOWN) {
        anthropicStyle = true;
        cached = anthropicCacheRead;
      }
      // Anthropic's input_tokens excludes cache reads and writes; the event's input_tokens
      // includes them (as OpenAI's does), so cost is computed one way for every provider.
      if (anthropicStyle && totalInput != RateLimits.UNKNOWN) {
        if (cached != RateLimits.UNKNOWN) {
          totalInput += cached;
        }
        if (cacheCreation != RateLimits.UNKNOWN) {
          totalInput += cacheCreation;
        }
      }
      return new ResponseBody(
          model, totalInput, output, cached, cacheCreation, reasoning, streamed);
    }
  }
}
