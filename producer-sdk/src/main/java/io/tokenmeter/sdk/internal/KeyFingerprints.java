package io.tokenmeter.sdk.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Turns a plaintext API key into what may leave the process: an HMAC-SHA-256 fingerprint under
 * the deployment's secret (hex, the first 16 bytes) and a hint such as {@code sk-...abcd}.
 *
 * <p>The same key and secret always give the same fingerprint, so every service of a deployment
 * that shares the secret reports one key under one fingerprint, while nobody without the secret can
 * test a guessed key against it. The hint lets a person recognise their key in a dashboard.
 *
 * <p>Not thread-safe: only the SDK's worker thread uses an instance. Keys seen recently are cached,
 * since a service typically uses a handful of keys for millions of calls.
 */
public final class KeyFingerprints {

  /** Length of the fingerprint in bytes (32 hex characters). */
  public static final int FINGERPRINT_BYTES = 16;

  // Keys shorter than this get a hint without a prefix, revealing at most a quarter of the key.
  private static final int SHORT_KEY_LENGTH = 20;
  private static final int CACHE_SIZE = 256;
  private static final String BEARER = "bearer ";

  private final Mac mac;
  private final Map<String, Identity> cache = new LinkedHashMap<>(CACHE_SIZE * 2, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Identity> eldest) {
      return size() > CACHE_SIZE;
    }
  };

  /** The two derived values that stand for a key in an event. */
  public record Identity(String fingerprint, String hint) {
    @Override
    public String toString() {
      return "Identity[fingerprint=" + fingerprint + ", hint=" + hint + "]";
    }
  }

  public KeyFingerprints(byte[] secret) {
    try {
      mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
    } catch (GeneralSecurityException e) {
      // Every Java SE runtime ships HmacSHA256; reaching this means a broken JRE.
      throw new IllegalStateException("HmacSHA256 is not available in this JRE", e);
    }
  }

  /**
   * The fingerprint and hint of {@code rawKey}; null when no key was given. Surrounding whitespace
   * and an {@code Authorization} header's {@code Bearer } prefix are removed first, so passing the
   * header value or the bare key gives the same fingerprint.
   */
  public Identity identify(String rawKey) {
    String key = normalize(rawKey);
    if (key == null) {
      return null;
    }
    Identity known = cache.get(key);
    if (known != null) {
      return known;
    }
    byte[] digest = mac.doFinal(key.getBytes(StandardCharsets.UTF_8));
    Identity id = new Identity(HexFormat.of().formatHex(digest, 0, FINGERPRINT_BYTES), hint(key));
    cache.put(key, id);
    return id;
  }

  /**
   * The hint for a key: the key's type prefix (up to and including its first '-', at most three
   * characters), "...", and the last four characters. A key shorter than 20 characters gets no
   * prefix and at most a quarter of its characters (never more than four), since a prefix plus
   * four characters would give away most of it. Null for no key.
   */
  public static String hint(String rawKey) {
    String key = normalize(rawKey);
    if (key == null) {
      return null;
    }
    int n = key.length();
    if (n < SHORT_KEY_LENGTH) {
      int reveal = Math.min(4, n / 4);
      return "..." + key.substring(n - reveal);
    }
    int dash = key.indexOf('-');
    int prefix = dash >= 0 && dash < 3 ? dash + 1 : 3;
    return key.substring(0, prefix) + "..." + key.substring(n - 4);
  }

  static String normalize(String rawKey) {
    if (rawKey == null) {
      return null;
    }
    String key = rawKey.strip();
    if (key.equalsIgnoreCase(BEARER.strip())) {
      return null; // an Authorization header without its credential
    }
    if (key.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      key = key.substring(BEARER.length()).strip();
    }
    return key.isEmpty() ? null : key;
  }
}
