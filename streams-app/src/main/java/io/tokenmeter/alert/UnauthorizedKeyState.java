package io.tokenmeter.alert;

/**
 * What the unauthorized-key detector remembers for one API key fingerprint; stored only while one
 * of its alerts is open. Holds the fingerprint and the hint ({@code sk-...abcd}), never a key.
 *
 * @param fingerprint the {@code api_key_fingerprint}
 * @param hint the latest {@code api_key_hint} seen; null when none
 * @param closedThrough last event-time minute known closed
 * @param lastAuthErrorMinute minute of the latest auth error while {@code unauthorized_key} is
 *     open; {@code Long.MIN_VALUE} when it is not
 * @param lastUnlistedUseMinute minute of the latest use while {@code key_not_allowed} is open;
 *     {@code Long.MIN_VALUE} when it is not
 */
public record UnauthorizedKeyState(
    String fingerprint,
    String hint,
    long closedThrough,
    long lastAuthErrorMinute,
    long lastUnlistedUseMinute) {

  private static final byte FORMAT = 1;

  public boolean authFiring() {
    return lastAuthErrorMinute != Minutes.NONE;
  }

  public boolean unlistedFiring() {
    return lastUnlistedUseMinute != Minutes.NONE;
  }

  public byte[] encode() {
    return StateCodec.encode(FORMAT, out -> {
      out.writeUTF(fingerprint);
      StateCodec.writeNullableString(out, hint);
      out.writeLong(closedThrough);
      out.writeLong(lastAuthErrorMinute);
      out.writeLong(lastUnlistedUseMinute);
    });
  }

  public static UnauthorizedKeyState decode(byte[] data) {
    return StateCodec.decode(
        data,
        FORMAT,
        "unauthorized-key",
        in -> new UnauthorizedKeyState(
            in.readUTF(),
            StateCodec.readNullableString(in),
            in.readLong(),
            in.readLong(),
            in.readLong()));
  }
}
