package io.tokenmeter.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.schemas.UsageRollup;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.Test;

/** Final rollups reach the query store as batches per window and commit, and read back one each. */
class RollupHistoryStoreTest {

  private static final Instant WINDOW = Instant.parse("2026-12-07T10:00:00Z");

  @Test
  void aCommitsRollupsOfOneWindowAreOneRecordSplitUnderTheLimitAndReadBackOnceEach() {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "history");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    StreamsBuilder b = new StreamsBuilder();
    b.addStateStore(QueryStores.rollups());
    // One input record carries many rollups, so that they all fall between two commits.
    b.stream("in", Consumed.with(Serdes.String(), Serdes.Integer()))
        .flatMapValues(n -> rollups(n))
        .process(QueryStores.keepRollups(Duration.ofHours(1)), QueryStores.ROLLUPS);
    try (TopologyTestDriver driver = new TopologyTestDriver(b.build(), p, WINDOW.plusSeconds(90))) {
      TestInputTopic<String, Integer> in = driver.createInputTopic(
          "in",
          new StringSerializer(),
          new org.apache.kafka.common.serialization.IntegerSerializer());
      TestOutputTopic<byte[], byte[]> changelog = driver.createOutputTopic(
          "history-" + QueryStores.ROLLUPS + "-changelog",
          new ByteArrayDeserializer(),
          new ByteArrayDeserializer());

      in.pipeInput("k", 3_000);
      List<KeyValue<byte[], byte[]>> written = changelog.readKeyValuesToList();
      assertThat(written).hasSizeBetween(2, 10);
      assertThat(written)
          .allSatisfy(kv ->
              assertThat(kv.value.length).isLessThanOrEqualTo(RollupHistoryStore.MAX_BATCH_BYTES));

      in.pipeInput(
          "k", 3_000); // the same rollups again, as at-least-once may emit them after a crash
      @SuppressWarnings("unchecked")
      ReadOnlyKeyValueStore<Bytes, byte[]> store = (ReadOnlyKeyValueStore<Bytes, byte[]>)
          driver.getAllStateStores().get(QueryStores.ROLLUPS);
      try (KeyValueIterator<Bytes, byte[]> all = store.all()) {
        List<UsageRollup> read = RollupHistoryStore.rollups(all);
        assertThat(read).hasSize(3_000);
        assertThat(read).extracting(UsageRollup::getService).doesNotHaveDuplicates();
      }
    }
  }

  @Test
  void recordsOfOneRollupEachFromEarlierVersionsAreReadBesideBatches() {
    UsageRollup old = rollup(1);
    UsageRollup batched = rollup(2);
    byte[] encoded = RollupCodec.encode(batched);
    byte[] batch = ByteBuffer.allocate(4 + encoded.length)
        .putInt(encoded.length)
        .put(encoded)
        .array();
    Bytes batchKey = Bytes.wrap(ByteBuffer.allocate(16)
        .put(QueryStores.timePrefix(WINDOW.toEpochMilli()).get())
        .putLong(42)
        .array());

    List<UsageRollup> read = RollupHistoryStore.rollups(iterator(List.of(
        KeyValue.pair(QueryStores.rollupKey(old), RollupCodec.encode(old)),
        KeyValue.pair(batchKey, batch))));

    assertThat(read).containsExactlyInAnyOrder(old, batched);
  }

  private static List<UsageRollup> rollups(int n) {
    List<UsageRollup> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(rollup(i));
    }
    return out;
  }

  private static UsageRollup rollup(int i) {
    return UsageRollup.newBuilder()
        .setWindowStart(WINDOW)
        .setWindowEnd(WINDOW.plusSeconds(60))
        .setModel("gpt-4o")
        .setOrgId("org-1")
        .setProjectId("")
        .setApiKeyFingerprint("3f2a")
        .setApiKeyHint("sk-...abcd")
        .setService("service-" + i + "-" + "x".repeat(200))
        .setRequests(12)
        .setErrors(3)
        .setErrorsByClass(Map.of("server", 1L))
        .setInputTokens(1000)
        .setOutputTokens(200)
        .setCacheReadInputTokens(0)
        .setCacheCreationInputTokens(0)
        .setReasoningOutputTokens(0)
        .setRequestsWithoutUsage(0)
        .setCostMicros(4_250L)
        .setUnpricedRequests(0)
        .setPriceTableVersion("t")
        .setFoldedEvents(0)
        .build();
  }

  private static KeyValueIterator<Bytes, byte[]> iterator(List<KeyValue<Bytes, byte[]>> records) {
    Iterator<KeyValue<Bytes, byte[]>> it = records.iterator();
    return new KeyValueIterator<>() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public KeyValue<Bytes, byte[]> next() {
        return it.next();
      }

      @Override
      public void close() {}

      @Override
      public Bytes peekNextKey() {
        throw new UnsupportedOperationException();
      }
    };
  }
}
