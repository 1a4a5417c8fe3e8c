package io.tokenmeter.alert;

/**
 * What the dimension-folding detector remembers for one tenant: the minute it is adding up, and,
 * while its alert is open, when it last folded. Stored while a minute is pending or the alert open.
 *
 * @param orgId the tenant's org id (after the tenant guard: may be {@code __other__})
 * @param projectId the tenant's project id (likewise)
 * @param pendingMinute the minute (epoch minute) whose folded events are being added up, or
 *     {@link Minutes#NONE}
 * @param pendingFolded folded events in {@code pendingMinute} so far
 * @param pendingDimensions the dimensions folded in {@code pendingMinute}, a bit per {@link
 *     DimensionFoldingDetector#DIMENSIONS} entry
 * @param firing whether the alert is open
 * @param lastFoldedMinute the latest closed minute with folded events while open
 * @param closedThrough the last minute known closed
 * @param foldedTotal folded events since the alert fired
 */
public record DimensionFoldingState(
    String orgId,
    String projectId,
    long pendingMinute,
    long pendingFolded,
    int pendingDimensions,
    boolean firing,
    long lastFoldedMinute,
    long closedThrough,
    long foldedTotal) {

  private static final byte FORMAT = 1;

  public byte[] encode() {
    return StateCodec.encode(FORMAT, out -> {
      out.writeUTF(orgId);
      out.writeUTF(projectId);
      out.writeLong(pendingMinute);
      out.writeLong(pendingFolded);
      out.writeInt(pendingDimensions);
      out.writeBoolean(firing);
      out.writeLong(lastFoldedMinute);
      out.writeLong(closedThrough);
      out.writeLong(foldedTotal);
    });
  }

  public static DimensionFoldingState decode(byte[] data) {
    return StateCodec.decode(
        data,
        FORMAT,
        "dimension-folding",
        in -> new DimensionFoldingState(
            in.readUTF(),
            in.readUTF(),
            in.readLong(),
            in.readLong(),
            in.readInt(),
            in.readBoolean(),
            in.readLong(),
            in.readLong(),
            in.readLong()));
  }
}
