package io.tokenmeter.alert;

import io.tokenmeter.rollup.HeapStore;
import io.tokenmeter.rollup.HeapStoreBuilder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * Open error windows per (window start, scope), summed on the heap as their parts arrive and
 * taken out in window order once closed, in a {@link HeapStore} that writes them to its logged
 * store at every commit. The store also keeps the close watermark, so under exactly-once a closed
 * window, its deletion and the watermark commit together.
 */
final class PendingErrorWindows {

  /** These sort after every window key, which starts with digits. */
  static final Bytes CLOSED_BEFORE = utf8("~closed-before");

  private static final Bytes LATEST_START = utf8("~latest-start");

  static final HeapStore.Codec<ScopedErrorWindow> CODEC =
      HeapStore.Codec.of(ScopedErrorWindow::encode, ScopedErrorWindow::decode);

  private final HeapStore<ScopedErrorWindow> store;
  /**
   * The two watermarks as last read or written: read on every part otherwise. The store stays the
   * truth (every change is written through), and an instance lives only as long as its task's
   * processor, which Kafka Streams recreates after a restore.
   */
  private final Map<Bytes, Long> watermarks = new HashMap<>(4);

  PendingErrorWindows(HeapStore<ScopedErrorWindow> store) {
    this.store = store;
  }

  static StoreBuilder<HeapStore<ScopedErrorWindow>> store(String name) {
    return new HeapStoreBuilder<>(name, CODEC);
  }

  /** Adds a part; false, and nothing stored, when its window has already closed. */
  boolean add(ScopedErrorWindow part) {
    long start = part.window().start().toEpochMilli();
    if (start > latestStart()) {
      put(LATEST_START, start);
    }
    if (start < closedBefore()) {
      return false;
    }
    Bytes key = key(start, part.scope());
    ScopedErrorWindow stored = store.get(key);
    store.put(key, stored == null ? part : stored.plus(part));
    return true;
  }

  /** The windows starting before {@code before}, in window order, removed from the store. */
  List<ScopedErrorWindow> close(long before) {
    return close(before, false);
  }

  /**
   * As {@link #close(long)}; with {@code onlyWhatIsOpen}, for a close by wall clock, the watermark
   * moves no further than the end of the last window taken out, and not at all when none was
   * open: a task still waiting for its backlog must not have that backlog's parts dropped.
   */
  List<ScopedErrorWindow> close(long before, boolean onlyWhatIsOpen) {
    List<ScopedErrorWindow> closed = new ArrayList<>();
    if (before <= closedBefore()) {
      return closed;
    }
    long lastEnd = Long.MIN_VALUE;
    for (KeyValue<Bytes, ScopedErrorWindow> entry :
        store.removeRange(key(0, null), key(before, null))) {
      closed.add(entry.value);
      lastEnd = Math.max(lastEnd, entry.value.window().start().toEpochMilli() + Minutes.MINUTE_MS);
    }
    if (onlyWhatIsOpen) {
      if (closed.isEmpty()) {
        return closed;
      }
      before = Math.min(before, lastEnd);
    }
    put(CLOSED_BEFORE, before);
    return closed;
  }

  /** Windows starting before this have been closed. */
  long closedBefore() {
    return get(CLOSED_BEFORE);
  }

  /** The latest window start of any part added: the stream time of the parts alone. */
  long latestStart() {
    return get(LATEST_START);
  }

  private long get(Bytes name) {
    Long known = watermarks.get(name);
    if (known != null) {
      return known;
    }
    byte[] v = store.readThrough(name);
    long value = v == null ? Long.MIN_VALUE : Long.parseLong(new String(v, StandardCharsets.UTF_8));
    watermarks.put(name, value);
    return value;
  }

  private void put(Bytes name, long value) {
    store.writeThrough(name, Long.toString(value).getBytes(StandardCharsets.UTF_8));
    watermarks.put(name, value);
  }

  /** Zero-padded window start, so that keys sort by window, then the scope. */
  static Bytes key(long windowStart, ErrorRateScope scope) {
    String start = Long.toString(Math.max(0, windowStart));
    StringBuilder key = new StringBuilder(21 + 64);
    key.append("0".repeat(20 - start.length())).append(start).append('|');
    return utf8(scope == null ? key.toString() : key.append(scope.storeKey()).toString());
  }

  static Bytes utf8(String s) {
    return Bytes.wrap(s.getBytes(StandardCharsets.UTF_8));
  }
}
