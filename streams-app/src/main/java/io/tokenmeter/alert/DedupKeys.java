package io.tokenmeter.alert;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Stable dedup keys: {@code <alert_type>:<part>:<part>...}, for example {@code
 * rate_limit_requests:org-1/proj-a:gpt-4o}.
 *
 * <p>The key depends only on the alert type and its scope, so every FIRING and RESOLVED of one
 * condition share it (PagerDuty {@code dedup_key}, Alertmanager fingerprint). {@code %} and {@code
 * :} inside a part are percent-encoded so that different scopes never produce the same key. Keys
 * longer than {@value #MAX_LENGTH} characters (the PagerDuty limit) keep their head and replace the
 * tail with {@code #} and 16 hex characters of the SHA-256 of the whole key.
 */
public final class DedupKeys {

  /** PagerDuty Events v2 accepts dedup keys of at most 255 characters. */
  public static final int MAX_LENGTH = 255;

  private static final int HASH_HEX_CHARS = 16;

  private DedupKeys() {}

  /** The dedup key for {@code alertType} and its scope parts, in order. */
  public static String of(String alertType, String... parts) {
    StringBuilder key = new StringBuilder(alertType);
    for (String part : parts) {
      key.append(':').append(escape(part == null ? "" : part));
    }
    return limit(key.toString());
  }

  private static String escape(String part) {
    return part.replace("%", "%25").replace(":", "%3A");
  }

  /**
   * {@code key} if it has at most {@value #MAX_LENGTH} characters; otherwise its head, {@code #}
   * and 16 hex characters of the SHA-256 of the whole key, which stays stable and unique. Keys
   * from {@link #of} already fit; the alert router applies it to whatever it reads.
   */
  public static String limit(String key) {
    if (key.length() <= MAX_LENGTH) {
      return key;
    }
    int head = MAX_LENGTH - 1 - HASH_HEX_CHARS;
    if (Character.isHighSurrogate(key.charAt(head - 1))) {
      head--; // never split a surrogate pair
    }
    return key.substring(0, head) + '#' + sha256Hex(key).substring(0, HASH_HEX_CHARS);
  }

  private static String sha256Hex(String s) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
