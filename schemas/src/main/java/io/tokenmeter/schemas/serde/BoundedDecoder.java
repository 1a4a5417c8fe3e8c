package io.tokenmeter.schemas.serde;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.io.Decoder;
import org.apache.avro.util.Utf8;

/**
 * Avro binary decoding of one record held in a byte array, which refuses any string, bytes, map or
 * array length larger than the bytes left.
 *
 * <p>Avro's own decoder allocates whatever length a record declares (up to 2 GiB) before it finds
 * the bytes missing, so one corrupt record on a topic could take a consumer down with an
 * OutOfMemoryError. Here every declared length is checked against the bytes left before anything
 * is allocated. Every item of a map takes at least a byte (its key); an array of zero-byte items
 * (nulls) longer than the bytes left would be refused too, and no record of the contract has one.
 *
 * <p>It reads the array directly (no stream between), and short strings come from a {@link
 * StringCache}, so that the few distinct models, orgs and services of a topic are one {@code
 * String} each, with its hash computed once.
 */
final class BoundedDecoder extends Decoder {

  private final byte[] data;
  private final StringCache strings;
  private int position;

  BoundedDecoder(byte[] data, int offset, StringCache strings) {
    this.data = data;
    this.position = offset;
    this.strings = strings;
  }

  /** True when every byte has been read: a record that leaves bytes over is not this record. */
  boolean isEnd() {
    return position == data.length;
  }

  @Override
  public Utf8 readString(Utf8 old) throws IOException {
    int length = length("string");
    Utf8 result = old == null ? new Utf8() : old;
    result.setByteLength(length);
    System.arraycopy(data, position, result.getBytes(), 0, length);
    position += length;
    return result;
  }

  @Override
  public String readString() throws IOException {
    int length = length("string");
    String s = strings.get(data, position, length);
    position += length;
    return s;
  }

  @Override
  public void skipString() throws IOException {
    int length = length("string"); // read before position is: it moves it
    position += length;
  }

  @Override
  public ByteBuffer readBytes(ByteBuffer old) throws IOException {
    int length = length("bytes");
    ByteBuffer result =
        old != null && old.capacity() >= length ? old.clear() : ByteBuffer.allocate(length);
    result.put(data, position, length).flip();
    position += length;
    return result;
  }

  @Override
  public void skipBytes() throws IOException {
    int length = length("bytes");
    position += length;
  }

  @Override
  public long readArrayStart() throws IOException {
    return blockCount("array block");
  }

  @Override
  public long arrayNext() throws IOException {
    return blockCount("array block");
  }

  @Override
  public long skipArray() throws IOException {
    return skipBlocks("array block");
  }

  @Override
  public long readMapStart() throws IOException {
    return blockCount("map block");
  }

  @Override
  public long mapNext() throws IOException {
    return blockCount("map block");
  }

  @Override
  public long skipMap() throws IOException {
    return skipBlocks("map block");
  }

  /** A string or bytes length, refused when the rest of the record cannot hold it. */
  private int length(String what) throws IOException {
    long length = readLong();
    return (int) within(what, length);
  }

  /** A block's item count; a negative one is followed by the block's size in bytes, unused here. */
  private long blockCount(String what) throws IOException {
    long count = readLong();
    if (count < 0) {
      readLong();
      count = -count;
    }
    return within(what, count);
  }

  /**
   * Skips blocks that carry their byte size (negative counts) and returns the item count of the
   * first one that does not, for the caller to skip item by item; 0 when the array or map ends.
   */
  private long skipBlocks(String what) throws IOException {
    while (true) {
      long count = readLong();
      if (count >= 0) {
        return within(what, count);
      }
      long size = within(what + " size", readLong());
      position += (int) size;
    }
  }

  private long within(String what, long length) throws EOFException {
    int left = data.length - position;
    if (length < 0 || length > left) {
      throw new EOFException("record declares a " + what + " of length " + length + " but only "
          + left + " bytes are left");
    }
    return length;
  }

  // Everything below allocates nothing sized by the input.

  @Override
  public void readNull() {}

  @Override
  public boolean readBoolean() throws IOException {
    return next() == 1;
  }

  @Override
  public int readInt() throws IOException {
    int b = next();
    int n = b & 0x7f;
    for (int shift = 7; b > 0x7f; shift += 7) {
      if (shift > 28) {
        throw new AvroRuntimeException("Invalid int encoding");
      }
      b = next();
      n |= (b & 0x7f) << shift;
    }
    return (n >>> 1) ^ -(n & 1);
  }

  @Override
  public long readLong() throws IOException {
    int b = next();
    long n = b & 0x7f;
    for (int shift = 7; b > 0x7f; shift += 7) {
      if (shift > 63) {
        throw new AvroRuntimeException("Invalid long encoding");
      }
      b = next();
      n |= (long) (b & 0x7f) << shift;
    }
    return (n >>> 1) ^ -(n & 1);
  }

  @Override
  public float readFloat() throws IOException {
    return Float.intBitsToFloat((int) littleEndian(4));
  }

  @Override
  public double readDouble() throws IOException {
    return Double.longBitsToDouble(littleEndian(8));
  }

  @Override
  public void readFixed(byte[] bytes, int start, int length) throws IOException {
    within("fixed", length);
    System.arraycopy(data, position, bytes, start, length);
    position += length;
  }

  @Override
  public void skipFixed(int length) throws IOException {
    position += (int) within("fixed", length);
  }

  @Override
  public int readEnum() throws IOException {
    return readInt();
  }

  @Override
  public int readIndex() throws IOException {
    return readInt();
  }

  private long littleEndian(int bytes) throws EOFException {
    within("number", bytes);
    long v = 0;
    for (int i = 0; i < bytes; i++) {
      v |= (long) (data[position + i] & 0xff) << (8 * i);
    }
    position += bytes;
    return v;
  }

  private int next() throws EOFException {
    if (position >= data.length) {
      throw new EOFException("record ends in the middle of a value");
    }
    return data[position++] & 0xff;
  }

  /**
   * Short strings by their UTF-8 bytes: one {@code String} for each value seen again and again. A
   * slot takes a new value only when the same bytes missed it twice in a row, so unique values
   * (event ids) pass through without pushing out the repeated ones. Entries are immutable, so one
   * cache may be read by several threads: a race costs a miss, never a wrong string.
   */
  static final class StringCache {
    private static final int SLOTS = 4096;
    private static final int MAX_BYTES = 128;

    private final Entry[] entries = new Entry[SLOTS];
    private final int[] lastMiss = new int[SLOTS];

    private record Entry(int hash, byte[] utf8, String value) {}

    String get(byte[] data, int offset, int length) {
      if (length > MAX_BYTES) {
        return new String(data, offset, length, StandardCharsets.UTF_8);
      }
      int hash = length;
      for (int i = offset; i < offset + length; i++) {
        hash = 31 * hash + data[i];
      }
      int slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
      Entry e = entries[slot];
      if (e != null
          && e.hash == hash
          && java.util.Arrays.equals(e.utf8, 0, e.utf8.length, data, offset, offset + length)) {
        return e.value;
      }
      String value = new String(data, offset, length, StandardCharsets.UTF_8);
      if (lastMiss[slot] == hash) {
        entries[slot] =
            new Entry(hash, java.util.Arrays.copyOfRange(data, offset, offset + length), value);
      } else {
        lastMiss[slot] = hash;
      }
      return value;
    }
  }
}
