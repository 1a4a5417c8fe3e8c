package io.tokenmeter.schemas.serde;

/** The two encodings the serde writes, told apart by their first byte. */
enum WireFormat {
  /** Magic byte 0, a 4-byte big-endian schema id, then the Avro binary body. */
  CONFLUENT,
  /** Avro single-object encoding: 0xC3 0x01, the 8-byte CRC-64-AVRO fingerprint, the body. */
  SINGLE_OBJECT;

  static final byte CONFLUENT_MAGIC = 0x0;
  static final byte SINGLE_OBJECT_MARKER_0 = (byte) 0xC3;
  static final byte SINGLE_OBJECT_MARKER_1 = (byte) 0x01;

  /** The format of {@code data}, or null when it is neither: such bytes are refused, never guessed. */
  static WireFormat of(byte[] data) {
    if (data.length >= 5 && data[0] == CONFLUENT_MAGIC) {
      return CONFLUENT;
    }
    if (data.length >= 10 && data[0] == SINGLE_OBJECT_MARKER_0 && data[1] == SINGLE_OBJECT_MARKER_1) {
      return SINGLE_OBJECT;
    }
    return null;
  }
}
