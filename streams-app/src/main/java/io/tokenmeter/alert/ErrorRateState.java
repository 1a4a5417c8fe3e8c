package io.tokenmeter.alert;

import java.util.EnumMap;
import java.util.Map;

/**
 * What the error-rate detector remembers for one {@link ErrorRateScope}.
 *
 * @param scope the model and service or org
 * @param lastWindowEnd epoch millis of the end of the last window counted
 * @param classes per error class with a baseline or an open alert; others are absent
 */
public record ErrorRateState(
    ErrorRateScope scope, long lastWindowEnd, Map<ErrorClass, ClassState> classes) {

  private static final byte FORMAT = 1;

  public ErrorRateState {
    EnumMap<ErrorClass, ClassState> copy = new EnumMap<>(ErrorClass.class);
    copy.putAll(classes);
    classes = Map.copyOf(copy);
  }

  /**
   * One error class of one scope.
   *
   * @param baseline EWMA of the class's error rate over past windows that were not spikes; NaN
   *     until the first such window
   * @param firing severity of the open alert; null when not firing
   * @param calmWindows consecutive windows under the threshold while firing
   */
  public record ClassState(double baseline, Severity firing, int calmWindows) {

    static final ClassState FRESH = new ClassState(Double.NaN, null, 0);

    boolean isFresh() {
      return Double.isNaN(baseline) && firing == null;
    }
  }

  ClassState of(ErrorClass c) {
    return classes.getOrDefault(c, ClassState.FRESH);
  }

  /** Whether an alert is open for any class. */
  public boolean firing() {
    return classes.values().stream().anyMatch(c -> c.firing() != null);
  }

  public byte[] encode() {
    return StateCodec.encode(FORMAT, out -> {
      out.writeUTF(scope.model());
      out.writeUTF(scope.dimension());
      out.writeUTF(scope.value());
      out.writeLong(lastWindowEnd);
      out.writeByte(classes.size());
      for (ErrorClass c : ErrorClass.values()) {
        ClassState s = classes.get(c);
        if (s != null) {
          out.writeByte(c.ordinal());
          out.writeDouble(s.baseline());
          out.writeByte(Severity.toByte(s.firing()));
          out.writeInt(s.calmWindows());
        }
      }
    });
  }

  public static ErrorRateState decode(byte[] data) {
    return StateCodec.decode(data, FORMAT, "error-rate", in -> {
      ErrorRateScope scope = new ErrorRateScope(in.readUTF(), in.readUTF(), in.readUTF());
      long lastWindowEnd = in.readLong();
      int n = in.readByte();
      Map<ErrorClass, ClassState> classes = new EnumMap<>(ErrorClass.class);
      for (int i = 0; i < n; i++) {
        ErrorClass c = ErrorClass.values()[in.readByte()];
        classes.put(
            c, new ClassState(in.readDouble(), Severity.fromByte(in.readByte()), in.readInt()));
      }
      return new ErrorRateState(scope, lastWindowEnd, classes);
    });
  }
}
