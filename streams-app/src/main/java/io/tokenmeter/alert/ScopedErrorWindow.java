package io.tokenmeter.alert;

import io.tokenmeter.schemas.LlmCallEvent;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Requests and errors of one error-rate scope in one minute, or a part of them: what the
 * pending-window stores hold and what travels through the error-rate repartition topic.
 */
public record ScopedErrorWindow(ErrorRateScope scope, ErrorWindow window) {

  private static final byte FORMAT = 1;

  /** One call, counted in each of its two scopes: (model, service) and (model, org). */
  public static List<ScopedErrorWindow> of(LlmCallEvent event) {
    long minute = Minutes.of(event.getTimestamp());
    ErrorWindow window =
        ErrorWindow.empty(Minutes.start(minute), Minutes.end(minute)).plus(event);
    return Arrays.stream(ErrorRateScope.of(event))
        .map(scope -> new ScopedErrorWindow(scope, window))
        .toList();
  }

  /** This window plus another piece of the same scope and window. */
  ScopedErrorWindow plus(ScopedErrorWindow other) {
    return new ScopedErrorWindow(scope, window.plus(other.window));
  }

  public byte[] encode() {
    return StateCodec.encode(FORMAT, out -> {
      out.writeUTF(scope.model());
      out.writeUTF(scope.dimension());
      out.writeUTF(scope.value());
      out.writeLong(window.start().toEpochMilli());
      out.writeLong(window.end().toEpochMilli());
      out.writeLong(window.requests());
      out.writeByte(window.errors().size());
      for (Map.Entry<ErrorClass, Long> e : window.errors().entrySet()) {
        out.writeByte(e.getKey().ordinal());
        out.writeLong(e.getValue());
      }
    });
  }

  public static ScopedErrorWindow decode(byte[] data) {
    return StateCodec.decode(data, FORMAT, "scoped error window", in -> {
      ErrorRateScope scope = new ErrorRateScope(in.readUTF(), in.readUTF(), in.readUTF());
      Instant start = Instant.ofEpochMilli(in.readLong());
      Instant end = Instant.ofEpochMilli(in.readLong());
      long requests = in.readLong();
      int n = in.readByte();
      Map<ErrorClass, Long> errors = new EnumMap<>(ErrorClass.class);
      for (int i = 0; i < n; i++) {
        errors.put(ErrorClass.values()[in.readByte()], in.readLong());
      }
      return new ScopedErrorWindow(scope, new ErrorWindow(start, end, requests, errors));
    });
  }

  public static Serde<ScopedErrorWindow> serde() {
    return Serdes.serdeFrom(
        (topic, value) -> value == null ? null : value.encode(),
        (topic, data) -> data == null ? null : decode(data));
  }
}
