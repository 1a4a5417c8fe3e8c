package io.tokenmeter.alert;

/**
 * What the unpriced-model detector remembers for one model; stored only while its alert is open.
 *
 * @param model the model without a price
 * @param lastUnpricedMinute the latest window (epoch minute) with unpriced requests
 * @param closedThrough the last window (epoch minute) known closed
 * @param unpricedRequests unpriced requests since the alert fired
 */
public record UnpricedModelState(
    String model, long lastUnpricedMinute, long closedThrough, long unpricedRequests) {

  private static final byte FORMAT = 1;

  public byte[] encode() {
    return StateCodec.encode(FORMAT, out -> {
      out.writeUTF(model);
      out.writeLong(lastUnpricedMinute);
      out.writeLong(closedThrough);
      out.writeLong(unpricedRequests);
    });
  }

  public static UnpricedModelState decode(byte[] data) {
    return StateCodec.decode(
        data,
        FORMAT,
        "unpriced-model",
        in -> new UnpricedModelState(in.readUTF(), in.readLong(), in.readLong(), in.readLong()));
  }
}
