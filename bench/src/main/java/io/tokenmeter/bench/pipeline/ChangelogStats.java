package io.tokenmeter.bench.pipeline;

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
 * changelog only as a tombstone are left out of the sizes) and writes per key-window
 * (each is a changelog record, produced and replicated: the write amplification the record cache
 * is there to absorb).
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
          long[] s = perKey.computeIfAbsent(ByteBuffer.wrap(r.key()), k -> new long[2]);
          s[0]++;
          if (r.value() != null) {
            s[1] = r.key().length + r.value().length;
          }
        }
      }
    } catch (RuntimeException e) {
      return new ChangelogStats(topic, 0, 0, 0, 0, 0, 0, 0, 0, 0, "cannot read " + topic + ": " + e.getMessage());
    }
    // A window that opened and closed between two cache flushes reaches the changelog only as its
    // tombstone: it counts as a write, but it has no stored size to measure.
    long[] bytes = perKey.values().stream().mapToLong(s -> s[1]).filter(b -> b > 0).sorted().toArray();
    if (bytes.length == 0) {
      return new ChangelogStats(topic, perKey.size(), 0, records, 0, 0, 0, 0, 0, 0,
          "changelog " + topic + " has no value to measure");
    }
    long[] writes = perKey.values().stream().mapToLong(s -> s[0]).sorted().toArray();
    return new ChangelogStats(topic, perKey.size(), bytes.length, records,
        Stats.percentile(bytes, 50), Stats.percentile(bytes, 90), Stats.percentile(bytes, 99), bytes[bytes.length - 1],
        Stats.percentile(writes, 50), Arrays.stream(writes).average().orElse(0), null);
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
