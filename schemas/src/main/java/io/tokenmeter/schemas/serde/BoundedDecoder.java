package io.tokenmeter.schemas.serde;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.util.Utf8;

/**
 * Avro binary decoding of one record held in a byte array, which refuses any string, bytes, map or
 * array length larger than the bytes left.
 *
 * <p>Avro's own decoder allocates whatever length a record declares (up to 2 GiB) before it finds
 * the bytes missing, so one corrupt record on a topic could take a consumer down with an
 * OutOfMemoryError. Here the declared length is read ahead and checked first. Every item of a map
 * takes at least a byte (its key); an array of zero-byte items (nulls) longer than the bytes left
 * would be refused too, and no record of the contract has one.
 */
final class BoundedDecoder extends Decoder {

  private final Input input;
  private final BinaryDecoder binary;

  BoundedDecoder(byte[] data, int offset) {
    this.input = new Input(data, offset);
    // The direct decoder reads no further than asked, so input.available() stays exact.
    this.binary = DecoderFactory.get().directBinaryDecoder(input, null);
  }

  /** True when every byte has been read: a record that leaves bytes over is not this record. */
  boolean isEnd() {
    return input.available() == 0;
  }

  @Override
  public Utf8 readString(Utf8 old) throws IOException {
    requireLengthWithinInput("string", false);
    return binary.readString(old);
  }

  @Override
  public String readString() throws IOException {
    requireLengthWithinInput("string", false);
    return binary.readString();
  }

  @Override
  public ByteBuffer readBytes(ByteBuffer old) throws IOException {
    requireLengthWithinInput("bytes", false);
    return binary.readBytes(old);
  }

  @Override
  public long readArrayStart() throws IOException {
    requireLengthWithinInput("array block", true);
    return binary.readArrayStart();
  }

  @Override
  public long arrayNext() throws IOException {
    requireLengthWithinInput("array block", true);
    return binary.arrayNext();
  }

  @Override
  public long readMapStart() throws IOException {
    requireLengthWithinInput("map block", true);
    return binary.readMapStart();
  }

  @Override
  public long mapNext() throws IOException {
    requireLengthWithinInput("map block", true);
    return binary.mapNext();
  }

  @Override
  public void skipString() throws IOException {
    requireLengthWithinInput("string", false);
    binary.skipString();
  }

  @Override
  public void skipBytes() throws IOException {
    requireLengthWithinInput("bytes", false);
    binary.skipBytes();
  }

  /**
   * Peeks at the length (or block item count) about to be read and refuses it when the rest of the
   * record cannot hold it. A negative block count is followed by the block's size in bytes.
   */
  private void requireLengthWithinInput(String what, boolean blockCount) throws IOException {
    input.mark(0);
    long length = binary.readLong();
    if (blockCount && length < 0) {
      binary.readLong();
      length = -length;
    }
    int left = input.available();
    input.reset();
    if (length < 0 || length > left) {
      throw new EOFException(
          "record declares a " + what + " of length " + length + " but only " + left
              + " bytes are left");
    }
  }

  // Everything below allocates nothing sized by the input.

  @Override
  public void readNull() throws IOException {
    binary.readNull();
  }

  @Override
  public boolean readBoolean() throws IOException {
    return binary.readBoolean();
  }

  @Override
  public int readInt() throws IOException {
    return binary.readInt();
  }

  @Override
  public long readLong() throws IOException {
    return binary.readLong();
  }

  @Override
  public float readFloat() throws IOException {
    return binary.readFloat();
  }

  @Override
  public double readDouble() throws IOException {
    return binary.readDouble();
  }

  @Override
  public void readFixed(byte[] bytes, int start, int length) throws IOException {
    binary.readFixed(bytes, start, length);
  }

  @Override
  public void skipFixed(int length) throws IOException {
    binary.skipFixed(length);
  }

  @Override
  public int readEnum() throws IOException {
    return binary.readEnum();
  }

  @Override
  public long skipArray() throws IOException {
    return binary.skipArray();
  }

  @Override
  public long skipMap() throws IOException {
    return binary.skipMap();
  }

  @Override
  public int readIndex() throws IOException {
    return binary.readIndex();
  }

  /** A byte array as a stream, unsynchronised, with an exact {@link #available()}. */
  private static final class Input extends InputStream {
    private final byte[] data;
    private int position;
    private int mark;

    Input(byte[] data, int offset) {
      this.data = data;
      this.position = offset;
      this.mark = offset;
    }

    @Override
    public int read() {
      return position < data.length ? data[position++] & 0xFF : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      if (position >= data.length) {
        return -1;
      }
      int n = Math.min(len, data.length - position);
      System.arraycopy(data, position, b, off, n);
      position += n;
      return n;
    }

    @Override
    public long skip(long n) {
      long skipped = Math.max(0, Math.min(n, data.length - position));
      position += (int) skipped;
      return skipped;
    }

    @Override
    public int available() {
      return data.length - position;
    }

    @Override
    public boolean markSupported() {
      return true;
    }

    @Override
    public void mark(int readLimit) {
      mark = position;
    }

    @Override
    public void reset() {
      position = mark;
    }
  }
}
