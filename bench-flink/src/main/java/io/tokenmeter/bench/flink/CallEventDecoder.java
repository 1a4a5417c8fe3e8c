package io.tokenmeter.bench.flink;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * Decodes {@code LlmCallEvent} in Avro single-object encoding: {@code C3 01}, the 8-byte
 * little-endian CRC-64-AVRO fingerprint of the writer schema, then the Avro binary body.
 *
 * <p>Every kept version of the schema is bundled (copied from the schemas module at build time,
 * {@code avro/LlmCallEvent/vN.avsc}); the fingerprint picks the writer, the newest is the reader.
 * Not thread-safe: one per deserializer instance.
 */
final class CallEventDecoder {

  static final int HEADER_LENGTH = 10;
  private static final String DIR = "/io/tokenmeter/bench/flink/avro/LlmCallEvent/";

  private final Schema reader;
  private final Map<Long, GenericDatumReader<GenericRecord>> byFingerprint = new HashMap<>();
  private BinaryDecoder decoder;
  private GenericRecord reuse;

  CallEventDecoder() {
    List<Schema> versions = bundledVersions();
    this.reader = versions.get(versions.size() - 1);
    for (Schema writer : versions) {
      byFingerprint.put(
          SchemaNormalization.parsingFingerprint64(writer),
          new GenericDatumReader<>(writer, reader));
    }
  }

  /** The newest bundled version, which every record is decoded into. */
  Schema readerSchema() {
    return reader;
  }

  GenericRecord decode(byte[] data) {
    if (data == null) {
      throw new IllegalArgumentException(
          "null record value (tombstone) where an LlmCallEvent was expected");
    }
    if (data.length < HEADER_LENGTH || data[0] != (byte) 0xC3 || data[1] != (byte) 0x01) {
      throw new IllegalArgumentException(
          "not Avro single-object encoding (expected C3 01 and a 10-byte header), first bytes: "
              + hex(data));
    }
    long fingerprint = 0;
    for (int i = 9; i >= 2; i--) {
      fingerprint = (fingerprint << 8) | (data[i] & 0xFFL);
    }
    GenericDatumReader<GenericRecord> datumReader = byFingerprint.get(fingerprint);
    if (datumReader == null) {
      throw new IllegalArgumentException(String.format(
          "unknown writer schema fingerprint %016x: not one of the bundled LlmCallEvent versions",
          fingerprint));
    }
    decoder = DecoderFactory.get()
        .binaryDecoder(data, HEADER_LENGTH, data.length - HEADER_LENGTH, decoder);
    try {
      reuse = datumReader.read(reuse, decoder);
      return reuse;
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot decode LlmCallEvent body: " + e, e);
    }
  }

  private static List<Schema> bundledVersions() {
    List<Schema> versions = new ArrayList<>();
    for (int v = 1; ; v++) {
      try (InputStream in = CallEventDecoder.class.getResourceAsStream(DIR + "v" + v + ".avsc")) {
        if (in == null) {
          break;
        }
        versions.add(new Schema.Parser().parse(in));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read bundled schema v" + v, e);
      }
    }
    if (versions.isEmpty()) {
      throw new IllegalStateException(
          "no LlmCallEvent schema bundled under " + DIR + ": build with Maven");
    }
    return versions;
  }

  private static String hex(byte[] data) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(data.length, HEADER_LENGTH); i++) {
      sb.append(String.format("%02X ", data[i]));
    }
    return sb.length() == 0 ? "(empty)" : sb.toString().trim();
  }
}
