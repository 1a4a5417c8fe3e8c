package io.tokenmeter.sdk.openai;

import java.util.Locale;

/**
 * Watches a response body go by, chunk by chunk, and keeps only what the event needs: the model
 * and the usage. Memory stays small whatever the size of the body (an embeddings response can be
 * tens of megabytes; a long stream, thousands of chunks).
 *
 * <p>What it keeps is handed to {@code LlmCall.Builder.responseBody}, so the core SDK stays the
 * one place that knows how usage fields are named. Implementations never throw; a body they
 * cannot follow gives no usage.
 */
interface ResponseUsage {

  /** Sees the next bytes of the body. */
  void feed(byte[] bytes, int offset, int length);

  /**
   * A small body with the same model and usage as the whole one, for {@code
   * LlmCall.Builder.responseBody}; null when nothing was found or the body could not be followed.
   */
  String summary();

  /** The answering model, for when the request did not name one; null if unknown. */
  String model();

  /**
   * The capture for a body of this content type: server-sent events, JSON, or null for bodies
   * that carry no usage (audio, images).
   */
  static ResponseUsage forContentType(String contentType) {
    if (contentType == null) {
      return null;
    }
    String type = contentType.toLowerCase(Locale.ROOT);
    if (type.startsWith("text/event-stream")) {
      return new EventStreamUsage();
    }
    if (type.contains("json")) {
      return new JsonTopLevelFields();
    }
    return null;
  }
}
