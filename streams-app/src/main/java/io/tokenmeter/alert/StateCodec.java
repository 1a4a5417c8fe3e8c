package io.tokenmeter.alert;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The binary layout of detector states: a format byte, then fields in a fixed order with DataOutput
 * encodings. Small, schema-free and fast; a format byte lets a later layout read old stores.
 */
final class StateCodec {

  private StateCodec() {}

  interface Body {
    void write(DataOutputStream out) throws IOException;
  }

  interface Reader<T> {
    T read(DataInputStream in) throws IOException;
  }

  static byte[] encode(byte format, Body body) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(format);
      body.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static <T> T decode(byte[] data, byte format, String what, Reader<T> reader) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      byte found = in.readByte();
      if (found != format) {
        throw new IllegalArgumentException(
            what + " state has format " + found + ", this version reads " + format);
      }
      return reader.read(in);
    } catch (IOException e) {
      throw new IllegalArgumentException(what + " state is truncated or corrupt", e);
    }
  }

  static void writeNullableString(DataOutputStream out, String s) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) {
      out.writeUTF(s);
    }
  }

  static String readNullableString(DataInputStream in) throws IOException {
    return in.readBoolean() ? in.readUTF() : null;
  }
}
