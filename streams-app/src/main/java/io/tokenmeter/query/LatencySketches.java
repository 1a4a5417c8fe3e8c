package io.tokenmeter.query;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import com.datadoghq.sketch.ddsketch.store.Store;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads a rollup's {@code latency_sketch}: the DDSketch protobuf ({@code DDSketch.serialize()}),
 * decoded here by hand because protobuf-java is only an optional dependency of sketches-java and a
 * dozen lines of wire format do not justify a new dependency. The index mapping in the bytes is
 * skipped: every rollup uses the same one (logarithmic, 1% relative accuracy).
 */
final class LatencySketches {

  static final double RELATIVE_ACCURACY = 0.01;

  private LatencySketches() {}

  static DDSketch empty() {
    return DDSketches.logarithmicUnboundedDense(RELATIVE_ACCURACY);
  }

  /** Adds the sketch in {@code serialized} to {@code into}. */
  static void mergeInto(DDSketch into, ByteBuffer serialized) {
    ByteBuffer b = serialized.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    while (b.hasRemaining()) {
      long tag = varint(b);
      int field = (int) (tag >>> 3);
      int wire = (int) (tag & 7);
      switch (field) {
        case 2 -> readStore(slice(b), into.getPositiveValueStore());
        case 3 -> readStore(slice(b), into.getNegativeValueStore());
        case 4 -> {
          double zeros = wire == 1 ? b.getDouble() : skipAndZero(b, wire);
          if (zeros > 0) {
            into.accept(0, zeros);
          }
        }
        default -> skip(b, wire);
      }
    }
  }

  private static void readStore(ByteBuffer b, Store store) {
    double[] contiguous = new double[0];
    int contiguousCount = 0;
    int offset = 0;
    while (b.hasRemaining()) {
      long tag = varint(b);
      int field = (int) (tag >>> 3);
      int wire = (int) (tag & 7);
      if (field == 1 && wire == 2) { // map<sint32, double> binCounts entry
        ByteBuffer entry = slice(b);
        int index = 0;
        double count = 0;
        while (entry.hasRemaining()) {
          long t = varint(entry);
          if ((t >>> 3) == 1) {
            index = zigzag(varint(entry));
          } else if ((t >>> 3) == 2 && (t & 7) == 1) {
            count = entry.getDouble();
          } else {
            skip(entry, (int) (t & 7));
          }
        }
        if (count > 0) {
          store.add(index, count);
        }
      } else if (field == 2 && wire == 2) { // packed contiguousBinCounts
        ByteBuffer packed = slice(b);
        while (packed.hasRemaining()) {
          contiguous = append(contiguous, contiguousCount++, packed.getDouble());
        }
      } else if (field == 2 && wire == 1) {
        contiguous = append(contiguous, contiguousCount++, b.getDouble());
      } else if (field == 3 && wire == 0) {
        offset = zigzag(varint(b));
      } else {
        skip(b, wire);
      }
    }
    for (int i = 0; i < contiguousCount; i++) {
      if (contiguous[i] > 0) {
        store.add(offset + i, contiguous[i]);
      }
    }
  }

  private static double[] append(double[] values, int at, double value) {
    double[] out = at < values.length
        ? values
        : java.util.Arrays.copyOf(values, Math.max(8, values.length * 2));
    out[at] = value;
    return out;
  }

  private static ByteBuffer slice(ByteBuffer b) {
    int length = (int) varint(b);
    ByteBuffer s = b.slice().order(ByteOrder.LITTLE_ENDIAN);
    s.limit(length);
    b.position(b.position() + length);
    return s;
  }

  private static double skipAndZero(ByteBuffer b, int wire) {
    skip(b, wire);
    return 0;
  }

  private static void skip(ByteBuffer b, int wire) {
    switch (wire) {
      case 0 -> varint(b);
      case 1 -> b.position(b.position() + 8);
      case 2 -> slice(b);
      case 5 -> b.position(b.position() + 4);
      default -> throw new IllegalArgumentException("not a DDSketch protobuf: wire type " + wire);
    }
  }

  private static long varint(ByteBuffer b) {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      byte next = b.get();
      value |= (long) (next & 0x7f) << shift;
      if (next >= 0) {
        return value;
      }
    }
    throw new IllegalArgumentException("not a DDSketch protobuf: varint too long");
  }

  private static int zigzag(long v) {
    return (int) ((v >>> 1) ^ -(v & 1));
  }
}
