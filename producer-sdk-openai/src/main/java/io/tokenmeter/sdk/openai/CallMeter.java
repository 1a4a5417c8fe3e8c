package io.tokenmeter.sdk.openai;

import io.tokenmeter.sdk.LlmCall;
import io.tokenmeter.sdk.Tokenmeter;
import java.io.InputStream;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Meters one HTTP attempt: started when the request goes out, told about the response (or the
 * failure), fed the response body as the OpenAI SDK reads it, and recording exactly one event
 * when the body ends, is closed, or fails, whichever comes first.
 *
 * <p>Every method swallows its own failures ({@link Guard}); none throws into the caller. The
 * body may be read on one thread and closed on another, so the state is guarded by this object's
 * lock, held only for the few microseconds of bookkeeping per chunk.
 */
final class CallMeter {

  private final Tokenmeter tokenmeter;
  private final RequestFacts request;
  private final long startedAtMillis = System.currentTimeMillis();
  private final long startNanos = System.nanoTime();

  private int statusCode;
  private Map<String, String> rateLimitHeaders = Map.of();
  private boolean streaming;
  private ResponseUsage usage;
  private long firstByteNanos = -1;
  private Throwable failure;
  private boolean recorded;

  /** Starts the clock. {@code request} is not null: unmetered requests get no meter. */
  CallMeter(Tokenmeter tokenmeter, RequestFacts request) {
    this.tokenmeter = tokenmeter;
    this.request = request;
  }

  /** The attempt ended without a response: records now. */
  synchronized void failed(Throwable noResponse) {
    failure = noResponse;
    record();
  }

  /** The status line and headers arrived; the body comes through {@link #watch}. */
  synchronized void responded(int status, Map<String, String> rateLimits, String contentType) {
    try {
      statusCode = status;
      rateLimitHeaders = rateLimits;
      streaming = contentType != null
          && contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
      usage = ResponseUsage.forContentType(contentType);
    } catch (RuntimeException | LinkageError e) {
      usage = null; // keep metering the call, without usage
    }
  }

  /**
   * The body to hand to the OpenAI SDK in place of {@code body}: the same bytes, watched on their
   * way. A null body is recorded at once.
   */
  InputStream watch(InputStream body) {
    if (body == null) {
      ended();
      return null;
    }
    return new MeteredInputStream(body, this);
  }

  synchronized void read(byte[] bytes, int offset, int length) {
    if (recorded || length <= 0) {
      return;
    }
    try {
      if (firstByteNanos < 0) {
        firstByteNanos = System.nanoTime();
      }
      if (usage != null) {
        usage.feed(bytes, offset, length);
      }
    } catch (RuntimeException | LinkageError e) {
      usage = null; // keep metering the call, without usage
    }
  }

  /** The body was read to its end, or closed: records now, if not done yet. */
  synchronized void ended() {
    record();
  }

  /** Reading the body failed after the status arrived (a stream cut off): records now. */
  synchronized void bodyFailed(Throwable cause) {
    if (failure == null) {
      failure = cause;
    }
    record();
  }

  private void record() {
    if (recorded) {
      return;
    }
    recorded = true;
    try {
      long now = System.nanoTime();
      String summary = usage == null ? null : usage.summary();
      String requestModel = request.requestModel;
      if (requestModel == null && usage != null) {
        // The core SDK requires a request model; the answering model is the best stand-in.
        requestModel = usage.model();
      }
      LlmCall.Builder call = LlmCall.builder()
          .provider(request.provider)
          .operation(request.operation)
          .requestModel(requestModel)
          .apiKey(request.apiKey)
          .orgId(request.orgId)
          .projectId(request.projectId)
          .endUser(request.endUser)
          .timestamp(Instant.ofEpochMilli(startedAtMillis))
          .durationMs(TimeUnit.NANOSECONDS.toMillis(now - startNanos))
          .statusCode(statusCode)
          .streaming(streaming);
      if (!rateLimitHeaders.isEmpty()) {
        call.rateLimitHeaders(rateLimitHeaders);
      }
      if (summary != null) {
        call.responseBody(summary);
      }
      if (streaming && firstByteNanos >= 0) {
        call.timeToFirstTokenMs(TimeUnit.NANOSECONDS.toMillis(firstByteNanos - startNanos));
      }
      if (failure != null) {
        call.error(failure);
      }
      tokenmeter.record(call.build());
    } catch (RuntimeException | LinkageError e) {
      Guard.swallow(tokenmeter, e);
    }
  }
}
