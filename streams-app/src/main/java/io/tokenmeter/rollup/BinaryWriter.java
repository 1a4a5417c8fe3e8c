package io.tokenmeter.rollup;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Unsigned varints, length-prefixed strings and bytes: the compact state and key encodings. */
final class BinaryWriter {

  private byte[] buf;
  private int size;

  BinaryWriter(int initialCapacity) {
    buf = new byte[Math.max(16, initialCapacity)];
  }

  BinaryWriter writeByte(int b) {
    ensure(1);
    buf[size++] = (byte) b;
    return this;
  }

  /** Non-negative values take 1 byte up to 127, 2 bytes up to 16383, and so on. */
  BinaryWriter writeVarLong(long v) {
    ensure(10);
    while ((v & ~0x7FL) != 0) {
      buf[size++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[size++] = (byte) v;
    return this;
  }

  BinaryWriter writeLongBigEndian(long v) {
    ensure(8);
    for (int shift = 56; shift >= 0; shift -= 8) {
      buf[size++] = (byte) (v >>> shift);
    }
    return this;
  }

  BinaryWriter writeDouble(double d) {
    return writeLongBigEndian(Double.doubleToRawLongBits(d));
  }

  BinaryWriter writeString(String s) {
    return writeBytes(s.getBytes(StandardCharsets.UTF_8));
  }

  /** A string that may be null: length + 1, so that 0 means null. */
  BinaryWriter writeNullableString(String s) {
    return writeNullableBytes(s == null ? null : s.getBytes(StandardCharsets.UTF_8));
  }

  BinaryWriter writeBytes(byte[] b) {
    writeVarLong(b.length);
    return writeRaw(b);
  }

  BinaryWriter writeNullableBytes(byte[] b) {
    if (b == null) {
      return writeVarLong(0);
    }
    writeVarLong(b.length + 1L);
    return writeRaw(b);
  }

  BinaryWriter writeRaw(byte[] b) {
    ensure(b.length);
    System.arraycopy(b, 0, buf, size, b.length);
    size += b.length;
    return this;
  }

  byte[] toByteArray() {
    return Arrays.copyOf(buf, size);
  }

  private void ensure(int more) {
    if (size + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
    }
  }
}
