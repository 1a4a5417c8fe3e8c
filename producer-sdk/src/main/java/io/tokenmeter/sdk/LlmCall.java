package io.tokenmeter.sdk;

import io.tokenmeter.sdk.internal.ErrorTypes;
import io.tokenmeter.sdk.internal.KeyFingerprints;
import io.tokenmeter.sdk.internal.RateLimits;
import io.tokenmeter.sdk.internal.ResponseBody;
import java.net.http.HttpHeaders;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One finished call to an LLM provider API, as handed to {@link Tokenmeter#record(LlmCall)}. It
 * is immutable; build it with {@link #builder()}:
 *
 * <pre>{@code
 * LlmCall call = LlmCall.builder()
 *     .provider("openai").operation("chat").requestModel("gpt-4o-mini")
 *     .apiKey(apiKey)                 // becomes a fingerprint and a hint; never sent
 *     .responseBody(json)             // usage and response model, read from the body
 *     .statusCode(200).durationMs(840)
 *     .build();
 * }</pre>
 *
 * <p>Provider, operation and request model are required; a call without them is counted as an
 * {@code invalid} drop when recorded. Building never throws, whatever is passed: metering must not
 * break the call it meters. Numbers that cannot be right (negative token counts, a status of 0)
 * are treated as unknown, and unknown values are sent as null, never as 0.
 *
 * <p>The plaintext API key stays in this object only until the SDK's worker thread has turned it
 * into a fingerprint; {@link #toString()} shows the hint, never the key.
 */
public final class LlmCall {

  static final long UNKNOWN = RateLimits.UNKNOWN;
  static final long NO_TIMESTAMP = Long.MIN_VALUE;

  final @Nullable String eventId;
  final long timestampMillis;
  final @Nullable String provider;
  final @Nullable String operation;
  final @Nullable String requestModel;
  final @Nullable String responseModel;
  final @Nullable String apiKey;
  final @Nullable String orgId;
  final @Nullable String projectId;
  final @Nullable String endUser;
  final long inputTokens;
  final long outputTokens;
  final long cacheReadInputTokens;
  final long cacheCreationInputTokens;
  final long reasoningOutputTokens;
  final long durationMs;
  final long timeToFirstTokenMs;
  final int statusCode;
  final @Nullable String errorType;
  final boolean streaming;
  final @Nullable RateLimits rateLimits;

  // Takes values, not the builder: a builder passed to this (too large to inline) constructor
  // would escape and be allocated; this way C2 can scalar-replace it, which halves what a
  // build-and-record costs the caller in allocation.
  private LlmCall(
      @Nullable String eventId,
      long timestampMillis,
      @Nullable String provider,
      @Nullable String operation,
      @Nullable String requestModel,
      @Nullable String responseModel,
      @Nullable String apiKey,
      @Nullable String orgId,
      @Nullable String projectId,
      @Nullable String endUser,
      long inputTokens,
      long outputTokens,
      long cacheReadInputTokens,
      long cacheCreationInputTokens,
      long reasoningOutputTokens,
      long durationMs,
      long timeToFirstTokenMs,
      int statusCode,
      @Nullable String errorType,
      boolean streaming,
      @Nullable RateLimits rateLimits) {
    this.eventId = eventId;
    this.timestampMillis = timestampMillis;
    this.provider = provider;
    this.operation = operation;
    this.requestModel = requestModel;
    this.responseModel = responseModel;
    this.apiKey = apiKey;
    this.orgId = orgId;
    this.projectId = projectId;
    this.endUser = endUser;
    this.inputTokens = inputTokens;
    this.outputTokens = outputTokens;
    this.cacheReadInputTokens = cacheReadInputTokens;
    this.cacheCreationInputTokens = cacheCreationInputTokens;
    this.reasoningOutputTokens = reasoningOutputTokens;
    this.durationMs = durationMs;
    this.timeToFirstTokenMs = timeToFirstTokenMs;
    this.statusCode = statusCode;
    this.errorType = errorType;
    this.streaming = streaming;
    this.rateLimits = rateLimits;
  }

  /** A builder with nothing set. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder holding this call's values, for example to use a call as a template. The timestamp
   * is carried over as it was computed; set a new one for a new call.
   */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** All values, with the API key shown only as its hint ({@code sk-...abcd}). */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("LlmCall{");
    field(s, "eventId", eventId);
    s.append("timestamp=").append(Instant.ofEpochMilli(timestampMillis)).append(", ");
    field(s, "provider", provider);
    field(s, "operation", operation);
    field(s, "requestModel", requestModel);
    field(s, "responseModel", responseModel);
    field(s, "apiKey", apiKey == null ? null : KeyFingerprints.hint(apiKey) + " (redacted)");
    field(s, "orgId", orgId);
    field(s, "projectId", projectId);
    field(s, "endUser", endUser);
    count(s, "inputTokens", inputTokens);
    count(s, "outputTokens", outputTokens);
    count(s, "cacheReadInputTokens", cacheReadInputTokens);
    count(s, "cacheCreationInputTokens", cacheCreationInputTokens);
    count(s, "reasoningOutputTokens", reasoningOutputTokens);
    count(s, "durationMs", durationMs);
    count(s, "timeToFirstTokenMs", timeToFirstTokenMs);
    count(s, "statusCode", statusCode > 0 ? statusCode : UNKNOWN);
    field(s, "errorType", errorType);
    s.append("streaming=").append(streaming);
    if (rateLimits != null) {
      s.append(", rateLimit={requests ")
          .append(rateLimits.remainingRequests)
          .append('/')
          .append(rateLimits.limitRequests)
          .append(", tokens ")
          .append(rateLimits.remainingTokens)
          .append('/')
          .append(rateLimits.limitTokens)
          .append('}');
    }
    return s.append('}').toString();
  }

  private static void field(StringBuilder s, String name, @Nullable String value) {
    if (value != null) {
      s.append(name).append('=').append(value).append(", ");
    }
  }

  private static void count(StringBuilder s, String name, long value) {
    if (value != UNKNOWN) {
      s.append(name).append('=').append(value).append(", ");
    }
  }

  /**
   * Collects the values of one call. Method names are the event's field names. Every method
   * accepts anything (null included) and returns this builder; nothing here throws.
   */
  public static final class Builder {
    private @Nullable String eventId;
    private long timestampMillis = NO_TIMESTAMP;
    private @Nullable String provider;
    private @Nullable String operation;
    private @Nullable String requestModel;
    private @Nullable String responseModel;
    private @Nullable String apiKey;
    private @Nullable String orgId;
    private @Nullable String projectId;
    private @Nullable String endUser;
    private long inputTokens = UNKNOWN;
    private long outputTokens = UNKNOWN;
    private long cacheReadInputTokens = UNKNOWN;
    private long cacheCreationInputTokens = UNKNOWN;
    private long reasoningOutputTokens = UNKNOWN;
    private long durationMs = UNKNOWN;
    private long timeToFirstTokenMs = UNKNOWN;
    private int statusCode;
    private @Nullable String errorType;
    private boolean streaming;
    private @Nullable RateLimits rateLimits;

    private Builder() {}

    private Builder(LlmCall c) {
      eventId = c.eventId;
      timestampMillis = c.timestampMillis;
      provider = c.provider;
      operation = c.operation;
      requestModel = c.requestModel;
      responseModel = c.responseModel;
      apiKey = c.apiKey;
      orgId = c.orgId;
      projectId = c.projectId;
      endUser = c.endUser;
      inputTokens = c.inputTokens;
      outputTokens = c.outputTokens;
      cacheReadInputTokens = c.cacheReadInputTokens;
      cacheCreationInputTokens = c.cacheCreationInputTokens;
      reasoningOutputTokens = c.reasoningOutputTokens;
      durationMs = c.durationMs;
      timeToFirstTokenMs = c.timeToFirstTokenMs;
      statusCode = c.statusCode;
      errorType = c.errorType;
      streaming = c.streaming;
      rateLimits = c.rateLimits;
    }

    /**
     * The event's unique id, the deduplication key downstream. Default (or null): a random UUID
     * assigned when the call is published, so recording one LlmCall twice gives two events.
     */
    public Builder eventId(@Nullable String eventId) {
      this.eventId = eventId;
      return this;
    }

    /**
     * When the call started. Default (or null): when {@link #build()} runs, minus {@link
     * #durationMs} if that is set.
     */
    public Builder timestamp(@Nullable Instant startedAt) {
      this.timestampMillis = startedAt == null ? NO_TIMESTAMP : startedAt.toEpochMilli();
      return this;
    }

    Builder timestampMillis(long startedAtMillis) {
      this.timestampMillis = startedAtMillis;
      return this;
    }

    /** Required. {@code gen_ai.provider.name}: {@code openai}, {@code azure.ai.openai}, {@code anthropic}, ... */
    public Builder provider(@Nullable String provider) {
      this.provider = provider;
      return this;
    }

    /** Required. {@code gen_ai.operation.name}: {@code chat}, {@code embeddings}, {@code responses}, ... */
    public Builder operation(@Nullable String operation) {
      this.operation = operation;
      return this;
    }

    /** Required. The model asked for, as in the request. */
    public Builder requestModel(@Nullable String requestModel) {
      this.requestModel = requestModel;
      return this;
    }

    /** The model that answered, often a dated snapshot. {@link #responseBody} sets it too. */
    public Builder responseModel(@Nullable String responseModel) {
      this.responseModel = responseModel;
      return this;
    }

    /**
     * The plaintext API key used for the call (a leading {@code Bearer } is ignored). The SDK
     * turns it into {@code api_key_fingerprint} and {@code api_key_hint}; the key itself is never
     * sent, logged or shown.
     */
    public Builder apiKey(@Nullable String apiKey) {
      this.apiKey = apiKey;
      return this;
    }

    /** The provider organisation ({@code OpenAI-Organization}). Part of the Kafka record key. */
    public Builder orgId(@Nullable String orgId) {
      this.orgId = orgId;
      return this;
    }

    /** The provider project ({@code OpenAI-Project}). Part of the Kafka record key. */
    public Builder projectId(@Nullable String projectId) {
      this.projectId = projectId;
      return this;
    }

    /** The end-user id passed to the provider, if any. */
    public Builder endUser(@Nullable String endUser) {
      this.endUser = endUser;
      return this;
    }

    /** Input (prompt) tokens, cached ones included. Negative: unknown. */
    public Builder inputTokens(long inputTokens) {
      this.inputTokens = known(inputTokens);
      return this;
    }

    /** Output (completion) tokens, reasoning ones included. Negative: unknown. */
    public Builder outputTokens(long outputTokens) {
      this.outputTokens = known(outputTokens);
      return this;
    }

    /** Input tokens read from the prompt cache (part of input tokens). Negative: unknown. */
    public Builder cacheReadInputTokens(long cacheReadInputTokens) {
      this.cacheReadInputTokens = known(cacheReadInputTokens);
      return this;
    }

    /** Input tokens written to the prompt cache. Negative: unknown. */
    public Builder cacheCreationInputTokens(long cacheCreationInputTokens) {
      this.cacheCreationInputTokens = known(cacheCreationInputTokens);
      return this;
    }

    /** Reasoning tokens (part of output tokens). Negative: unknown. */
    public Builder reasoningOutputTokens(long reasoningOutputTokens) {
      this.reasoningOutputTokens = known(reasoningOutputTokens);
      return this;
    }

    /**
     * Reads usage and the response model from the provider's response body, now, on this thread:
     * an OpenAI Chat Completions or Responses body, an Anthropic Messages body, or a
     * server-sent-event stream of any of them (which also sets {@link #streaming}). Values the body
     * does not have are left as they are; a body that cannot be read changes nothing.
     */
    public Builder responseBody(@Nullable String body) {
      ResponseBody parsed = ResponseBody.parse(body);
      if (parsed.model != null) {
        responseModel = parsed.model;
      }
      if (parsed.inputTokens != UNKNOWN) {
        inputTokens = parsed.inputTokens;
      }
      if (parsed.outputTokens != UNKNOWN) {
        outputTokens = parsed.outputTokens;
      }
      if (parsed.cacheReadInputTokens != UNKNOWN) {
        cacheReadInputTokens = parsed.cacheReadInputTokens;
      }
      if (parsed.cacheCreationInputTokens != UNKNOWN) {
        cacheCreationInputTokens = parsed.cacheCreationInputTokens;
      }
      if (parsed.reasoningOutputTokens != UNKNOWN) {
        reasoningOutputTokens = parsed.reasoningOutputTokens;
      }
      streaming |= parsed.streamed;
      return this;
    }

    /** Wall-clock duration of the call in milliseconds. Negative: unknown. */
    public Builder durationMs(long durationMs) {
      this.durationMs = known(durationMs);
      return this;
    }

    /** For streams: milliseconds until the first token arrived. Negative: unknown. */
    public Builder timeToFirstTokenMs(long timeToFirstTokenMs) {
      this.timeToFirstTokenMs = known(timeToFirstTokenMs);
      return this;
    }

    /**
     * The HTTP status, 0 for none (no response arrived). Unless an error type is set, it decides
     * {@code error_type}: 429 rate_limited, 401/403 auth, 400/409/413/415/422 invalid_request, 404
     * not_found, 408 timeout, other 4xx client, 5xx server.
     */
    public Builder statusCode(int statusCode) {
      this.statusCode = statusCode > 0 ? statusCode : 0;
      return this;
    }

    /**
     * The {@code error_type}, overriding what the status would give: {@code rate_limited}, {@code
     * auth}, {@code invalid_request}, {@code not_found}, {@code server}, {@code timeout}, {@code
     * network}, {@code client}, {@code other}. Sets the same value as {@link #error}; the later
     * call wins. Null: derived from the status.
     */
    public Builder errorType(@Nullable String errorType) {
      this.errorType = errorType;
      return this;
    }

    /**
     * Sets {@code error_type} from a failure that left no response: timeouts are {@code timeout},
     * other I/O failures {@code network}, interrupts and the caller's own exceptions {@code client}.
     * Only the failure's class is used; its message is not kept.
     */
    public Builder error(@Nullable Throwable failure) {
      this.errorType = ErrorTypes.forThrowable(failure);
      return this;
    }

    /** Whether the response was streamed. */
    public Builder streaming(boolean streaming) {
      this.streaming = streaming;
      return this;
    }

    /**
     * Reads the {@code x-ratelimit-{limit,remaining,reset}-{requests,tokens}} headers, now.
     * Malformed values and Azure's {@code -1} become unknown.
     */
    public Builder rateLimitHeaders(@Nullable HttpHeaders headers) {
      if (headers != null) {
        rateLimits = RateLimits.fromHeaders(name -> headers.firstValue(name).orElse(null));
      }
      return this;
    }

    /**
     * As {@link #rateLimitHeaders(HttpHeaders)}, for clients that expose headers as a map of name
     * to value. Header names are matched ignoring case.
     */
    public Builder rateLimitHeaders(@Nullable Map<String, String> headers) {
      if (headers != null) {
        rateLimits = RateLimits.fromHeaders(name -> headerIgnoringCase(headers, name));
      }
      return this;
    }

    /** The immutable call. Never throws; missing required fields are reported when recorded. */
    public LlmCall build() {
      // Event time is when the call started; without an explicit one, now minus its length.
      long startedAt = timestampMillis != NO_TIMESTAMP
          ? timestampMillis
          : System.currentTimeMillis() - Math.max(0, durationMs);
      return new LlmCall(
          eventId,
          startedAt,
          provider,
          operation,
          requestModel,
          responseModel,
          apiKey,
          orgId,
          projectId,
          endUser,
          inputTokens,
          outputTokens,
          cacheReadInputTokens,
          cacheCreationInputTokens,
          reasoningOutputTokens,
          durationMs,
          timeToFirstTokenMs,
          statusCode,
          errorType,
          streaming,
          rateLimits);
    }

    private static long known(long value) {
      return value < 0 ? UNKNOWN : value;
    }

    private static String headerIgnoringCase(Map<String, String> headers, String lowerCaseName) {
      try {
        String direct = headers.get(lowerCaseName);
        if (direct != null) {
          return direct;
        }
        for (Map.Entry<String, String> e : headers.entrySet()) {
          if (e.getKey() != null && e.getKey().toLowerCase(Locale.ROOT).equals(lowerCaseName)) {
            return e.getValue();
          }
        }
      } catch (RuntimeException unreadable) {
        // A map that refuses get(null-ish) or iteration gives no headers, not an exception.
      }
      return null;
    }
  }
}
