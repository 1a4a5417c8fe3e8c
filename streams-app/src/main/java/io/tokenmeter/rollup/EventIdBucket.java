package io.tokenmeter.rollup;

import java.util.Arrays;

/**
 * The event ids of one minute of event time, exact and compact: each id's UTF-8 bytes, length
 * first, one after the other in a growing byte array, and an open-addressing table of (hash,
 * offset) pairs over it. A UUID takes 37 bytes in the array and 16 to 32 in the table (kept at
 * most half full), with no object per id.
 *
 * <p>The array is also what is written to the logged store: the ids added since the last commit
 * are the array's tail ({@link #nextBatch}), so a commit writes one record per minute that gained
 * ids (or a few, for a large backlog), not one per id.
 */
final class EventIdBucket {

  private static final int INITIAL_BYTES = 4096;
  private static final int INITIAL_SLOTS = 256;

  final long minuteStart;
  private byte[] ids = new byte[INITIAL_BYTES];
  private int used;
  private int flushed;
  /** Where the batch last handed out by {@link #nextBatch} ends. */
  private int batchEnd;
  /** (hash << 32) | (offset + 1); 0 is an empty slot. */
  private long[] slots = new long[INITIAL_SLOTS];

  private int size;
  /** The sequence numbers of this minute's batches in the logged store, to delete them with it. */
  private long[] batches = new long[8];

  private int batchCount;

  EventIdBucket(long minuteStart) {
    this.minuteStart = minuteStart;
  }

  /**
   * A bucket sized for about as many ids as {@code like} holds: the minute before is the best
   * guess of the next, and a bucket grown by doubling from a few kilobytes copied its ids about
   * ten times over (2% of the stream thread in the pipeline benchmark).
   */
  EventIdBucket(long minuteStart, EventIdBucket like) {
    this.minuteStart = minuteStart;
    if (like.used > INITIAL_BYTES) {
      ids = new byte
          [like.used
              + like.used
                  / 8]; // a little more: a minute exactly as full would double at its last id
    }
    if (like.slots.length > INITIAL_SLOTS) {
      slots = new long[like.slots.length];
    }
  }

  /** Whether the id in {@code id[0, length)} with {@code hash} is here. */
  boolean contains(byte[] id, int length, int hash) {
    int mask = slots.length - 1;
    for (int i = hash & mask; ; i = (i + 1) & mask) {
      long slot = slots[i];
      if (slot == 0) {
        return false;
      }
      if ((int) (slot >>> 32) == hash && sameId((int) slot - 1, id, length)) {
        return true;
      }
    }
  }

  /** Adds an id known not to be here yet. */
  void add(byte[] id, int length, int hash) {
    if ((size + 1) * 2 > slots.length) {
      rehash(slots.length * 2);
    }
    int offset = used;
    ensureBytes(2 + length);
    used = writeLength(ids, used, length);
    System.arraycopy(id, 0, ids, used, length);
    used += length;
    place(hash, offset);
    size++;
  }

  int size() {
    return size;
  }

  /** Bytes held on the heap for this minute: the ids and the table. */
  long heapBytes() {
    return ids.length + 8L * slots.length + 8L * batches.length;
  }

  /**
   * The next ids not yet written, as one batch of at most {@code maxBytes} (one id is never
   * split), or null when all are written. A backlog puts tens of thousands of ids in one minute
   * between two commits, more than one record may hold.
   */
  byte[] nextBatch(int maxBytes) {
    if (flushed == used) {
      return null;
    }
    int end = flushed;
    while (end < used) {
      int next = end + (ids[end] >= 0 ? 1 : 2) + lengthAt(end);
      if (next - flushed > maxBytes && end > flushed) {
        break;
      }
      end = next;
    }
    batchEnd = end;
    return Arrays.copyOfRange(ids, flushed, end);
  }

  /** The batch last handed out by {@link #nextBatch} was written as batch {@code sequence}. */
  void flushedAs(long sequence) {
    flushed = batchEnd;
    rememberBatch(sequence);
  }

  /** Reads back a batch written by {@link #nextBatch}, as stored under {@code sequence}. */
  void load(byte[] batch, long sequence) {
    int pos = 0;
    while (pos < batch.length) {
      int length = lengthAt(batch, pos);
      pos += batch[pos] >= 0 ? 1 : 2;
      int hash = hash(batch, pos, length);
      byte[] id = Arrays.copyOfRange(batch, pos, pos + length);
      if (!contains(id, length, hash)) {
        add(id, length, hash);
      }
      pos += length;
    }
    flushed = used;
    rememberBatch(sequence);
  }

  long[] batches() {
    return Arrays.copyOf(batches, batchCount);
  }

  /** The hash every id is filed under, over its UTF-8 bytes, so a restored id files the same way. */
  static int hash(byte[] bytes, int from, int length) {
    int h = 1;
    for (int i = from; i < from + length; i++) {
      h = 31 * h + bytes[i];
    }
    // Spread the bits (MurmurHash3's finaliser): ids that differ in their last characters only
    // would otherwise sit in neighbouring slots.
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }

  private boolean sameId(int offset, byte[] id, int length) {
    int start = offset + (ids[offset] >= 0 ? 1 : 2);
    return lengthAt(offset) == length && Arrays.equals(ids, start, start + length, id, 0, length);
  }

  private int lengthAt(int offset) {
    return lengthAt(ids, offset);
  }

  private static int lengthAt(byte[] bytes, int offset) {
    return bytes[offset] >= 0 ? bytes[offset] : (bytes[offset] & 0x7f) | (bytes[offset + 1] << 7);
  }

  /** One byte below 128, else two (ids are at most a few thousand bytes). */
  private static int writeLength(byte[] to, int at, int length) {
    if (length < 0x80) {
      to[at] = (byte) length;
      return at + 1;
    }
    to[at] = (byte) (0x80 | (length & 0x7f));
    to[at + 1] = (byte) (length >>> 7);
    return at + 2;
  }

  private void place(int hash, int offset) {
    int mask = slots.length - 1;
    int i = hash & mask;
    while (slots[i] != 0) {
      i = (i + 1) & mask;
    }
    slots[i] = ((long) hash << 32) | ((offset + 1) & 0xffffffffL);
  }

  private void rehash(int capacity) {
    long[] old = slots;
    slots = new long[capacity];
    for (long slot : old) {
      if (slot != 0) {
        place((int) (slot >>> 32), (int) slot - 1);
      }
    }
  }

  private void ensureBytes(int more) {
    if (used + more > ids.length) {
      ids = Arrays.copyOf(ids, Math.max(ids.length * 2, used + more));
    }
  }

  private void rememberBatch(long sequence) {
    if (batchCount == batches.length) {
      batches = Arrays.copyOf(batches, batchCount * 2);
    }
    batches[batchCount++] = sequence;
  }
}
