package io.tokenmeter.cli;

import io.tokenmeter.schemas.LlmCallEvent;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Refuses events whose key fields hold more than the SDK would put there. A whole API key pasted
 * into {@code api_key_hint} or {@code api_key_fingerprint} would otherwise reach the topic, which
 * the SDK's design promises never happens. The offending value is never repeated.
 */
final class PlaintextKeyGuard {

  /** The SDK's hint: at most a three-character prefix, "...", at most the last four characters. */
  private static final Pattern HINT = Pattern.compile("[^.]{0,3}\\.\\.\\.[^.]{0,4}");

  /** The SDK's fingerprint: the first 16 bytes of an HMAC-SHA-256, in hex. */
  private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-fA-F]{32}");

  private PlaintextKeyGuard() {}

  /** What is wrong, naming the field; empty when both fields are absent or SDK-shaped. */
  static Optional<String> problem(LlmCallEvent event) {
    String hint = event.getApiKeyHint();
    if (hint != null && !HINT.matcher(hint).matches()) {
      return Optional.of("api_key_hint: not a key hint like sk-...abcd (" + hint.length()
          + " characters; the value is not repeated, it may be a whole key)");
    }
    String fingerprint = event.getApiKeyFingerprint();
    if (fingerprint != null && !FINGERPRINT.matcher(fingerprint).matches()) {
      return Optional.of("api_key_fingerprint: not 32 hex characters (" + fingerprint.length()
          + " characters; the value is not repeated, it may be a whole key)");
    }
    return Optional.empty();
  }
}
