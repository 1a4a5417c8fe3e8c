package io.tokenmeter.rollup;

import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.RateLimitSnapshot;

/**
 * The rules an event must keep before it may count. Avro already guarantees the required fields
 * are present; these are the semantic ones a schema cannot say.
 */
final class CallValidation {

  private CallValidation() {}

  static void check(LlmCallEvent e) {
    if (e.getEventId() == null || e.getEventId().isBlank()) {
      throw new InvalidCallException("event_id is empty; it is the deduplication key");
    }
    if (e.getTimestamp() == null) {
      throw new InvalidCallException("timestamp is null");
    }
    if (e.getRequestModel() == null || e.getRequestModel().isBlank()) {
      throw new InvalidCallException("request_model is empty");
    }
    if (e.getService() == null) {
      throw new InvalidCallException("service is null");
    }
    nonNegative("input_tokens", e.getInputTokens());
    nonNegative("output_tokens", e.getOutputTokens());
    nonNegative("cache_read_input_tokens", e.getCacheReadInputTokens());
    nonNegative("cache_creation_input_tokens", e.getCacheCreationInputTokens());
    nonNegative("reasoning_output_tokens", e.getReasoningOutputTokens());
    nonNegative("duration_ms", e.getDurationMs());
    nonNegative("time_to_first_token_ms", e.getTimeToFirstTokenMs());
    RateLimitSnapshot r = e.getRateLimit();
    if (r != null) {
      nonNegative("rate_limit.limit_requests", r.getLimitRequests());
      nonNegative("rate_limit.limit_tokens", r.getLimitTokens());
      nonNegative("rate_limit.remaining_requests", r.getRemainingRequests());
      nonNegative("rate_limit.remaining_tokens", r.getRemainingTokens());
    }
  }

  private static void nonNegative(String field, Long value) {
    if (value != null && value < 0) {
      throw new InvalidCallException(field + " is negative (" + value + ")");
    }
  }
}
