package io.tokenmeter.rollup;

import java.time.Instant;

/**
 * Keys of the rollup state and of the output topic.
 *
 * <p>State: the window start (8 bytes, big-endian, sign bit flipped) then the five dimensions, so
 * that the store's byte order is window order and one range scan finds every window that closes.
 *
 * <p>Output: {@code windowStartIso|model|org_id|project_id|api_key_fingerprint|service}, for
 * example {@code 2026-11-27T10:15:00Z|gpt-4o|org-1|proj-1|3f2a...|checkout}. A {@code |} or
 * {@code \} inside a value is escaped with a backslash, so the key splits unambiguously.
 */
public final class RollupKeys {

  static final long WINDOW_MILLIS = 60_000;

  private RollupKeys() {}

  static long windowStart(long eventTime) {
    return Math.floorDiv(eventTime, WINDOW_MILLIS) * WINDOW_MILLIS;
  }

  static byte[] stateKey(long windowStart, Dimensions d) {
    BinaryWriter w = new BinaryWriter(64);
    w.writeLongBigEndian(windowStart ^ Long.MIN_VALUE);
    d.writeTo(w);
    return w.toByteArray();
  }

  /** The smallest state key of any window starting at or after {@code windowStart}. */
  static byte[] statePrefix(long windowStart) {
    return new BinaryWriter(8).writeLongBigEndian(windowStart ^ Long.MIN_VALUE).toByteArray();
  }

  static long windowStartOf(BinaryReader r) {
    return r.readLongBigEndian() ^ Long.MIN_VALUE;
  }

  /** The output topic's key for one window and dimension set. */
  public static String outputKey(long windowStart, Dimensions d) {
    return outputKey(Instant.ofEpochMilli(windowStart).toString(), d);
  }

  /**
   * The same, from the window start already written as ISO-8601: a minute's rollups share it, so
   * the emitter writes it once per minute.
   */
  static String outputKey(String windowStartIso, Dimensions d) {
    StringBuilder sb = new StringBuilder(96).append(windowStartIso);
    for (int i = 0; i < Dimensions.COUNT; i++) {
      sb.append('|');
      String v = d.get(i);
      for (int c = 0; c < v.length(); c++) {
        char ch = v.charAt(c);
        if (ch == '|' || ch == '\\') {
          sb.append('\\');
        }
        sb.append(ch);
      }
    }
    return sb.toString();
  }
}
