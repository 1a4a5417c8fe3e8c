package io.tokenmeter.alert;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * What the rate-limit detector remembers for one {@link RateLimitScope}: the open event-time minute
 * and, per metric, its usage so far and the alert's state.
 *
 * @param scope the org/project and model
 * @param openMinute epoch minute being counted; {@code Long.MIN_VALUE} before the first event
 * @param requests the requests metric
 * @param tokens the tokens metric
 */
public record RateLimitState(RateLimitScope scope, long openMinute, Gauge requests, Gauge tokens) {

  private static final byte FORMAT = 1;

  /**
   * One metric of one scope.
   *
   * @param used units used in the open minute
   * @param peak highest utilization (0..1+) seen in the open minute, counted or from headers
   * @param headerLimit latest {@code x-ratelimit-limit-*} seen for the scope; 0 when none yet
   * @param firing severity of the open alert; null when not firing
   * @param calmMinutes consecutive closed minutes under the warning threshold while firing
   */
  public record Gauge(long used, double peak, long headerLimit, Severity firing, int calmMinutes) {

    static final Gauge EMPTY = new Gauge(0, 0, 0, null, 0);

    Gauge newMinute() {
      return new Gauge(0, 0, headerLimit, firing, calmMinutes);
    }

    private void write(DataOutputStream out) throws IOException {
      out.writeLong(used);
      out.writeDouble(peak);
      out.writeLong(headerLimit);
      out.writeByte(Severity.toByte(firing));
      out.writeInt(calmMinutes);
    }

    private static Gauge read(DataInputStream in) throws IOException {
      return new Gauge(
          in.readLong(),
          in.readDouble(),
          in.readLong(),
          Severity.fromByte(in.readByte()),
          in.readInt());
    }
  }

  static RateLimitState initial(RateLimitScope scope) {
    return new RateLimitState(scope, Minutes.NONE, Gauge.EMPTY, Gauge.EMPTY);
  }

  Gauge gauge(RateLimitMetric metric) {
    return metric == RateLimitMetric.REQUESTS ? requests : tokens;
  }

  RateLimitState with(RateLimitMetric metric, Gauge gauge) {
    return metric == RateLimitMetric.REQUESTS
        ? new RateLimitState(scope, openMinute, gauge, tokens)
        : new RateLimitState(scope, openMinute, requests, gauge);
  }

  /** Whether an alert is open for either metric. */
  public boolean firing() {
    return requests.firing() != null || tokens.firing() != null;
  }

  public byte[] encode() {
    return StateCodec.encode(FORMAT, out -> {
      out.writeUTF(scope.orgId());
      out.writeUTF(scope.projectId());
      out.writeUTF(scope.model());
      out.writeLong(openMinute);
      requests.write(out);
      tokens.write(out);
    });
  }

  public static RateLimitState decode(byte[] data) {
    return StateCodec.decode(
        data,
        FORMAT,
        "rate-limit",
        in -> new RateLimitState(
            new RateLimitScope(in.readUTF(), in.readUTF(), in.readUTF()),
            in.readLong(),
            Gauge.read(in),
            Gauge.read(in)));
  }
}
