package io.tokenmeter.rollup;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.kafka.common.utils.Bytes;

/**
 * The record {@link HeapWindows} logs per minute and commit: every window of that minute whose
 * value changed since the last commit, and every window of it that closed since then, in one
 * changelog record instead of one each.
 *
 * <p>Key: {@value #MARKER} (one byte, which starts no single-window key: those begin with a
 * sign-flipped window start or an ASCII digit or {@code ~}), the minute start (8 bytes,
 * big-endian, sign bit flipped), a sequence number (8 bytes, big-endian) that grows with every
 * record the store writes, so that key order is minute order and, within a minute, write order.
 *
 * <p>Value: entries, each the window's single-window store key (its layout's) and its value:
 * {@code varint(key length) key varint(value length + 1) value}, where a value length of 0
 * (written as varint 0) marks a closed window. A later entry for the same key replaces an earlier
 * one. Public so that tools reading the changelog (the benchmark's state figures) read it as the
 * store does.
 */
public final class WindowBatch {

  public static final byte MARKER = 0x01;
  public static final int KEY_BYTES = 17;

  /** Sees one entry of a batch; {@code value} is null for a closed window. */
  public interface EntryVisitor {
    void entry(byte[] key, byte[] value);
  }

  private WindowBatch() {}

  public static boolean isBatchKey(byte[] key) {
    return key.length == KEY_BYTES && key[0] == MARKER;
  }

  static Bytes key(long minuteStart, long sequence) {
    return Bytes.wrap(ByteBuffer.allocate(KEY_BYTES)
        .put(MARKER)
        .putLong(minuteStart ^ Long.MIN_VALUE)
        .putLong(sequence)
        .array());
  }

  static long minuteOf(byte[] key) {
    return ByteBuffer.wrap(key, 1, 8).getLong() ^ Long.MIN_VALUE;
  }

  static long sequenceOf(byte[] key) {
    return ByteBuffer.wrap(key, 9, 8).getLong();
  }

  /** Calls {@code visitor} for each entry of a batch value, in write order. */
  public static void read(byte[] value, EntryVisitor visitor) {
    int[] at = {0};
    while (at[0] < value.length) {
      int keyLength = readVarint(value, at);
      byte[] key = Arrays.copyOfRange(value, at[0], at[0] + keyLength);
      at[0] += keyLength;
      int valueLength = readVarint(value, at) - 1;
      byte[] v = null;
      if (valueLength >= 0) {
        v = Arrays.copyOfRange(value, at[0], at[0] + valueLength);
        at[0] += valueLength;
      }
      visitor.entry(key, v);
    }
  }

  /**
   * Entries of one batch as they are added, cut into values of at most {@code maxBytes} (an entry
   * larger than that is a value of its own).
   */
  static final class Writer {
    private final int maxBytes;
    private byte[] buf = new byte[1024];
    private int length;

    Writer(int maxBytes) {
      this.maxBytes = maxBytes;
    }

    /** Whether adding an entry of these sizes would take the batch over its limit. */
    boolean wouldOverflow(int keyLength, int valueLength) {
      return length > 0 && length + entryBytes(keyLength, valueLength) > maxBytes;
    }

    void add(byte[] key, byte[] value) {
      ensure(entryBytes(key.length, value == null ? 0 : value.length));
      writeVarint(key.length);
      System.arraycopy(key, 0, buf, length, key.length);
      length += key.length;
      if (value == null) {
        writeVarint(0);
      } else {
        writeVarint(value.length + 1);
        System.arraycopy(value, 0, buf, length, value.length);
        length += value.length;
      }
    }

    boolean isEmpty() {
      return length == 0;
    }

    /** The batch so far, and starts a new one. */
    byte[] take() {
      byte[] out = Arrays.copyOf(buf, length);
      length = 0;
      return out;
    }

    private static int entryBytes(int keyLength, int valueLength) {
      return 10 + keyLength + valueLength;
    }

    private void ensure(int more) {
      if (length + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, length + more));
      }
    }

    private void writeVarint(int v) {
      while ((v & ~0x7F) != 0) {
        buf[length++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      buf[length++] = (byte) v;
    }
  }

  private static int readVarint(byte[] b, int[] at) {
    int v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      byte x = b[at[0]++];
      v |= (x & 0x7F) << shift;
      if (x >= 0) {
        return v;
      }
    }
    throw new IllegalStateException("malformed window batch: varint longer than 5 bytes");
  }
}
