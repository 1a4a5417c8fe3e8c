package io.tokenmeter.schemas.serde;

/** The two encodings the serde writes, told apart by their first bytes. */
enum WireFormat {
  /** Magic byte 0, a 4-byte big-endian schema id, then the Avro binary body. */
  CONFLUENT(5),
  /** Avro single-object encoding: 0xC3 0x01, the 8-byte little-endian CRC-64-AVRO fingerprint, the body. */
  SINGLE_OBJECT(10);

  static final byte CONFLUENT_MAGIC = 0x0;
  static final byte SINGLE_OBJECT_MARKER_0 = (byte) 0xC3;
  static final byte SINGLE_OBJECT_MARKER_1 = (byte) 0x01;

  /** Bytes before the Avro body. */
  final int headerLength;

  WireFormat(int headerLength) {
    this.headerLength = headerLength;
  }

  /**
   * The format {@code data} announces, or null when it announces neither: such bytes are refused,
   * never guessed. Only the marker is looked at; a record too short for its header is the
   * reader's to refuse as truncated, which says more than "unknown format".
   */
  static WireFormat of(byte[] data) {
    if (data.length >= 1 && data[0] == CONFLUENT_MAGIC) {
      return CONFLUENT;
    }
    if (data.length >= 2
        && data[0] == SINGLE_OBJECT_MARKER_0
        && data[1] == SINGLE_OBJECT_MARKER_1) {
      return SINGLE_OBJECT;
    }
    return null;
  }
}
