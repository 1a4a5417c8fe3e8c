package io.tokenmeter.schemas;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The shape of the two key fields of an {@code LlmCallEvent} as the SDK writes them. Anything else
 * in {@code api_key_hint} or {@code api_key_fingerprint} may be a whole API key pasted by a
 * producer that is not the SDK, so whoever reads an event checks it here before keeping it. The
 * offending value is never repeated, only its length.
 *
 * <p>Two strengths: {@link #problem} is the SDK's exact shape, for what a person feeds in ({@code
 * tokenmeter produce}); {@link #keyProblem} only refuses what may be a key (a hint that is not
 * {@code sk-...abcd}-shaped, a fingerprint longer than the SDK's 32 characters), for the streams
 * app, which also reads producers that identify keys their own, shorter way.
 */
public final class ApiKeyFields {

  /** The SDK's hint: at most a three-character prefix, "...", at most the last four characters. */
  private static final Pattern HINT = Pattern.compile("[^.]{0,3}\\.\\.\\.[^.]{0,4}");

  /** The SDK's fingerprint: the first 16 bytes of an HMAC-SHA-256, in hex. */
  private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-fA-F]{32}");

  private static final int FINGERPRINT_CHARS = 32;

  private ApiKeyFields() {}

  /** Whether {@code hint} is absent or SDK-shaped. */
  private static boolean hintIsSafe(String hint) {
    return hint == null || hint.isEmpty() || HINT.matcher(hint).matches();
  }

  /** Whether {@code fingerprint} is absent or SDK-shaped. */
  private static boolean fingerprintIsSafe(String fingerprint) {
    return fingerprint == null
        || fingerprint.isEmpty()
        || FINGERPRINT.matcher(fingerprint).matches();
  }

  /**
   * What may be a key, naming the field; empty when the hint is absent or SDK-shaped and the
   * fingerprint is at most 32 characters long.
   */
  public static Optional<String> keyProblem(String hint, String fingerprint) {
    if (!hintIsSafe(hint)) {
      return problem(hint, null);
    }
    if (fingerprint != null && fingerprint.length() > FINGERPRINT_CHARS) {
      return Optional.of("api_key_fingerprint: longer than the " + FINGERPRINT_CHARS
          + " characters of a fingerprint (" + fingerprint.length()
          + " characters; the value is not repeated, it may be a whole key)");
    }
    return Optional.empty();
  }

  /** What is wrong, naming the field; empty when both fields are absent or SDK-shaped. */
  public static Optional<String> problem(String hint, String fingerprint) {
    if (!hintIsSafe(hint)) {
      return Optional.of("api_key_hint: not a key hint like sk-...abcd (" + hint.length()
          + " characters; the value is not repeated, it may be a whole key)");
    }
    if (!fingerprintIsSafe(fingerprint)) {
      return Optional.of("api_key_fingerprint: not 32 hex characters (" + fingerprint.length()
          + " characters; the value is not repeated, it may be a whole key)");
    }
    return Optional.empty();
  }
}
