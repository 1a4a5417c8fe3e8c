package io.tokenmeter.query;

import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.UsageRollup;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Plain Avro binary of rollups and alerts, as the query stores hold them and as instances hand
 * them to each other: the writer's schema is this build's, which every instance of one deployment
 * shares (the stores are rebuilt from changelogs written by the same code).
 */
final class RollupCodec {

  private RollupCodec() {}

  /**
   * Encodes records of one class again and again, with one writer and one buffer: a new writer
   * resolves the schema first, which cost more than the encoding itself once per final rollup.
   * Not thread-safe; one per processor.
   */
  static final class Encoder<T extends SpecificRecord> {
    private final SpecificDatumWriter<T> writer;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    private BinaryEncoder encoder;

    Encoder(Class<T> type) {
      this.writer = new SpecificDatumWriter<>(type);
    }

    byte[] encode(T record) {
      out.reset();
      encoder = EncoderFactory.get().directBinaryEncoder(out, encoder);
      try {
        writer.write(record, encoder);
        encoder.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out.toByteArray();
    }
  }

  static byte[] encode(SpecificRecord record) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    try {
      new SpecificDatumWriter<SpecificRecord>(record.getSchema()).write(record, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static UsageRollup rollup(byte[] bytes) {
    return decode(bytes, new SpecificDatumReader<>(UsageRollup.class));
  }

  static Alert alert(byte[] bytes) {
    return decode(bytes, new SpecificDatumReader<>(Alert.class));
  }

  private static <T> T decode(byte[] bytes, SpecificDatumReader<T> reader) {
    BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, null);
    try {
      return reader.read(null, decoder);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
