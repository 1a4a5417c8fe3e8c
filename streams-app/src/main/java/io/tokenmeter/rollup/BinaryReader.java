package io.tokenmeter.rollup;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Reads what {@link BinaryWriter} wrote; a truncated or corrupt input fails loudly. */
final class BinaryReader {

  private final byte[] buf;
  private int pos;

  BinaryReader(byte[] buf) {
    this.buf = buf;
  }

  int readByte() {
    require(1);
    return buf[pos++] & 0xFF;
  }

  long readVarLong() {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = readByte();
      result |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return result;
      }
    }
    throw new IllegalArgumentException("varint longer than 10 bytes at offset " + pos);
  }

  long readLongBigEndian() {
    require(8);
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (buf[pos++] & 0xFF);
    }
    return v;
  }

  double readDouble() {
    return Double.longBitsToDouble(readLongBigEndian());
  }

  String readString() {
    return new String(readBytes(), StandardCharsets.UTF_8);
  }

  String readNullableString() {
    byte[] b = readNullableBytes();
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  byte[] readBytes() {
    return readRaw(length(readVarLong()));
  }

  byte[] readNullableBytes() {
    long n = readVarLong();
    return n == 0 ? null : readRaw(length(n - 1));
  }

  boolean isEnd() {
    return pos == buf.length;
  }

  private byte[] readRaw(int n) {
    require(n);
    byte[] out = Arrays.copyOfRange(buf, pos, pos + n);
    pos += n;
    return out;
  }

  private int length(long n) {
    if (n < 0 || n > buf.length - pos) {
      throw new IllegalArgumentException(
          "length " + n + " exceeds the " + (buf.length - pos) + " remaining bytes");
    }
    return (int) n;
  }

  private void require(int n) {
    if (pos + n > buf.length) {
      throw new IllegalArgumentException(
          "truncated: need " + n + " bytes at offset " + pos + " of " + buf.length);
    }
  }
}
