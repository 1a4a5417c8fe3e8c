package io.tokenmeter.cli;

import io.tokenmeter.schemas.ApiKeyFields;
import io.tokenmeter.schemas.LlmCallEvent;
import java.util.Optional;

/**
 * Refuses events whose key fields hold more than the SDK would put there. A whole API key pasted
 * into {@code api_key_hint} or {@code api_key_fingerprint} would otherwise reach the topic, which
 * the SDK's design promises never happens. The offending value is never repeated.
 */
final class PlaintextKeyGuard {

  private PlaintextKeyGuard() {}

  /** What is wrong, naming the field; empty when both fields are absent or SDK-shaped. */
  static Optional<String> problem(LlmCallEvent event) {
    return ApiKeyFields.problem(event.getApiKeyHint(), event.getApiKeyFingerprint());
  }
}
