package io.tokenmeter.bench.pipeline;

import io.tokenmeter.rollup.WindowBatch;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What the rollup state costs, read from its changelog: bytes per key-window (key + value of the
 * last non-null write, i.e. the window's state just before it closed; windows that reached the
 * changelog only as a tombstone are left out of the sizes) and writes per key-window (the write
 * amplification). The store logs a minute's changed windows as one {@link WindowBatch} record per
 * commit, so a write is an entry of a batch, and the records (batches and their tombstones) are
 * counted apart; a single-window record of an earlier version is a write of its own.
 */
record ChangelogStats(
    String topic,
    long keyWindows,
    long keyWindowsWithValue,
    long records,
    long bytesMedian,
    long bytesP90,
    long bytesP99,
    long bytesMax,
    double writesMedian,
    double writesMean,
    String error) {

  static ChangelogStats read(String bootstrap, String topic) {
    Map<ByteBuffer, long[]> perKey = new HashMap<>(); // [writes, bytes of last non-null value]
    long records = 0;
    try (TopicReader reader = new TopicReader(bootstrap, topic)) {
      while (!reader.atEnd()) {
        for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(500))) {
          records++;
          if (WindowBatch.isBatchKey(r.key())) {
            if (r.value() != null) {
              WindowBatch.read(r.value(), (key, value) -> write(perKey, key, value));
            }
          } else {
            write(perKey, r.key(), r.value());
          }
        }
      }
    } catch (RuntimeException e) {
      return new ChangelogStats(
          topic, 0, 0, 0, 0, 0, 0, 0, 0, 0, "cannot read " + topic + ": " + e.getMessage());
    }
    // A window that opened and closed between two cache flushes reaches the changelog only as its
    // tombstone: it counts as a write, but it has no stored size to measure.
    long[] bytes = perKey.values().stream()
        .mapToLong(s -> s[1])
        .filter(b -> b > 0)
        .sorted()
        .toArray();
    if (bytes.length == 0) {
      return new ChangelogStats(
          topic,
          perKey.size(),
          0,
          records,
          0,
          0,
          0,
          0,
          0,
          0,
          "changelog " + topic + " has no value to measure");
    }
    long[] writes = perKey.values().stream().mapToLong(s -> s[0]).sorted().toArray();
    return new ChangelogStats(
        topic,
        perKey.size(),
        bytes.length,
        records,
        Stats.percentile(bytes, 50),
        Stats.percentile(bytes, 90),
        Stats.percentile(bytes, 99),
        bytes[bytes.length - 1],
        Stats.percentile(writes, 50),
        Arrays.stream(writes).average().orElse(0),
        null);
  }

  private static void write(Map<ByteBuffer, long[]> perKey, byte[] key, byte[] value) {
    long[] s = perKey.computeIfAbsent(ByteBuffer.wrap(key), k -> new long[2]);
    s[0]++;
    if (value != null) {
      s[1] = key.length + value.length;
    }
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("changelog", topic);
    if (error != null) {
      m.put("error", error);
      return m;
    }
    m.put("keyWindows", keyWindows);
    m.put("keyWindowsWithValue", keyWindowsWithValue);
    m.put("changelogRecords", records);
    m.put("bytesMedian", bytesMedian);
    m.put("bytesP90", bytesP90);
    m.put("bytesP99", bytesP99);
    m.put("bytesMax", bytesMax);
    m.put("writesPerKeyWindowMedian", writesMedian);
    m.put("writesPerKeyWindowMean", writesMean);
    return m;
  }
}
