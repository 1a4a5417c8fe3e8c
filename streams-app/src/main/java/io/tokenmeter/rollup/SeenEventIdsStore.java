package io.tokenmeter.rollup;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The {@code event_id}s the deduplication has counted, on the heap in one {@link EventIdBucket}
 * per minute of event time, and in a logged store as one record per minute and commit: the ids
 * that minute gained since the last commit (split into records of at most {@value
 * #MAX_BATCH_BYTES} bytes). So a commit writes a handful of records, not one per
 * event, and a lookup is a hash probe per open minute, with no store read.
 *
 * <p>Logged store layout: key = minute start (8 bytes, big-endian, sign bit flipped) + batch
 * sequence (8 bytes); value = the batch's ids, each as a length (one or two bytes) and its UTF-8
 * bytes. Forgetting a minute deletes its batches.
 */
public final class SeenEventIdsStore extends HeapStateStore {

  /** Ids are at most {@link CallValidation#MAX_TEXT_CHARS} characters, at most 3 bytes each in UTF-8. */
  private static final int MAX_ID_BYTES = 3 * CallValidation.MAX_TEXT_CHARS;
  /**
   * The largest batch record: well under the producer's default {@code max.request.size} and a
   * topic's default {@code max.message.bytes} (1 MB each), with room for the record's overhead.
   */
  static final int MAX_BATCH_BYTES = 256 * 1024;

  /** Oldest first; few (the open minutes), so a list beats a map on the per-event path. */
  private final List<EventIdBucket> buckets = new ArrayList<>();

  private final byte[] scratch = new byte[MAX_ID_BYTES];
  private long nextSequence;
  private boolean loaded;

  SeenEventIdsStore(KeyValueStore<Bytes, byte[]> logged) {
    super(logged);
  }

  /**
   * Remembers {@code eventId} in the minute of {@code eventTime}: true when it is new, false when
   * any remembered minute holds it already.
   */
  public boolean firstSeen(String eventId, long eventTime) {
    loadIfNeeded();
    byte[] id = scratch;
    int length = asciiInto(eventId, scratch);
    if (length < 0) {
      id = eventId.getBytes(StandardCharsets.UTF_8);
      length = id.length;
    }
    int hash = EventIdBucket.hash(id, 0, length);
    for (int i = buckets.size() - 1; i >= 0; i--) { // newest first: a replay is most often recent
      if (buckets.get(i).contains(id, length, hash)) {
        return false;
      }
    }
    bucketOf(RollupKeys.windowStart(eventTime)).add(id, length, hash);
    return true;
  }

  /** Forgets every minute starting before {@code minuteStart}, in the heap and in the store. */
  public void forgetBefore(long minuteStart) {
    loadIfNeeded();
    while (!buckets.isEmpty() && buckets.get(0).minuteStart < minuteStart) {
      EventIdBucket gone = buckets.remove(0);
      for (long sequence : gone.batches()) {
        inner.delete(key(gone.minuteStart, sequence));
      }
    }
  }

  /** Ids remembered on the heap. */
  public long size() {
    long n = 0;
    for (EventIdBucket b : buckets) {
      n += b.size();
    }
    return n;
  }

  /** Bytes the remembered ids take on the heap (ids and tables, not the list). */
  public long heapBytes() {
    long n = 0;
    for (EventIdBucket b : buckets) {
      n += b.heapBytes();
    }
    return n;
  }

  @Override
  public void flushCache() {
    for (EventIdBucket b : buckets) {
      for (byte[] batch = b.nextBatch(MAX_BATCH_BYTES);
          batch != null;
          batch = b.nextBatch(MAX_BATCH_BYTES)) {
        long sequence = nextSequence++;
        inner.put(key(b.minuteStart, sequence), batch);
        b.flushedAs(sequence);
      }
    }
  }

  @Override
  protected void forgetHeap() {
    buckets.clear();
    loaded = false;
  }

  /** The heap is built from the logged store on first use after init or a recycle: the restored truth. */
  private void loadIfNeeded() {
    if (loaded) {
      return;
    }
    buckets.clear();
    nextSequence = 0;
    try (KeyValueIterator<Bytes, byte[]> all = inner.all()) {
      while (all.hasNext()) {
        KeyValue<Bytes, byte[]> kv = all.next();
        ByteBuffer k = ByteBuffer.wrap(kv.key.get());
        long minute = k.getLong() ^ Long.MIN_VALUE;
        long sequence = k.getLong();
        bucketOf(minute).load(kv.value, sequence);
        nextSequence = Math.max(nextSequence, sequence + 1);
      }
    }
    loaded = true;
  }

  private EventIdBucket bucketOf(long minuteStart) {
    int i = buckets.size() - 1;
    while (i >= 0 && buckets.get(i).minuteStart > minuteStart) {
      i--;
    }
    if (i >= 0 && buckets.get(i).minuteStart == minuteStart) {
      return buckets.get(i);
    }
    EventIdBucket newest = buckets.isEmpty() ? null : buckets.get(buckets.size() - 1);
    EventIdBucket b = newest == null || newest.minuteStart > minuteStart
        ? new EventIdBucket(minuteStart)
        : new EventIdBucket(minuteStart, newest);
    buckets.add(i + 1, b);
    return b;
  }

  /** The id's bytes when it is all ASCII (a UUID, as the SDK writes), else -1. */
  private static int asciiInto(String id, byte[] to) {
    int n = id.length();
    if (n > to.length) {
      return -1;
    }
    for (int i = 0; i < n; i++) {
      char c = id.charAt(i);
      if (c >= 0x80) {
        return -1;
      }
      to[i] = (byte) c;
    }
    return n;
  }

  private static Bytes key(long minuteStart, long sequence) {
    return Bytes.wrap(ByteBuffer.allocate(16)
        .putLong(minuteStart ^ Long.MIN_VALUE)
        .putLong(sequence)
        .array());
  }
}
