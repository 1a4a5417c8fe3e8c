package io.tokenmeter.rollup;

import static io.tokenmeter.rollup.Calls.call;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The heap aggregates reach the changelog in every commit, through the internal hook Kafka Streams
 * calls while preparing a commit, and stay bounded on the heap. If a Kafka upgrade stopped calling
 * {@code flushCache()}, the changelog assertions here would fail before any count was lost.
 */
class HeapStoreTest {

  private static final String STORE = "test-aggregates";
  private static final int MAX_ON_HEAP = 2;

  private static final HeapStore.Codec<RollupAggregate> AGGREGATES =
      HeapStore.Codec.of(RollupAggregate::encode, RollupAggregate::decode);
  private final StoreDriver store = new StoreDriver(
      "heap-store-test", Counting::new, new HeapStoreBuilder<>(STORE, AGGREGATES, MAX_ON_HEAP));
  private final TestInputTopic<String, String> in = store.in;
  private final TestOutputTopic<String, String> closed = store.out;
  private final TestOutputTopic<byte[], byte[]> changelog = store.changelog;

  @AfterEach
  void close() {
    store.close();
  }

  /** "count:KEY" adds one request to KEY; "close:KEY" closes every key before KEY. */
  private static final class Counting implements Processor<String, String, String, String> {
    private ProcessorContext<String, String> context;
    private HeapStore<RollupAggregate> store;

    @Override
    public void init(ProcessorContext<String, String> context) {
      this.context = context;
      this.store = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, String> record) {
      String[] op = record.value().split(":", 2);
      Bytes key = Bytes.wrap(op[1].getBytes(StandardCharsets.UTF_8));
      if (op[0].equals("count")) {
        store
            .getForUpdate(key, RollupAggregate::new)
            .add(call(Instant.EPOCH).build(), false, OptionalLong.of(1), "v1");
        context.forward(record.withKey("on-heap").withValue(Integer.toString(store.onHeap())));
      } else {
        for (KeyValue<Bytes, RollupAggregate> kv :
            store.removeRange(Bytes.wrap(new byte[0]), key)) {
          context.forward(record
              .withKey(new String(kv.key.get(), StandardCharsets.UTF_8))
              .withValue(Long.toString(kv.value.requests)));
        }
      }
    }
  }

  private List<KeyValue<String, Long>> changelogRequests() {
    return changelog.readRecordsToList().stream()
        .map(r -> KeyValue.pair(
            new String(r.key(), StandardCharsets.UTF_8),
            r.value() == null ? null : RollupAggregate.decode(r.value()).requests))
        .toList();
  }

  @Test
  void everyCommitWritesTheChangedAggregatesToTheChangelogOnce() {
    // The test driver commits after each input record, as a task does at its commit interval.
    in.pipeInput("k", "count:a");
    in.pipeInput("k", "count:a");
    in.pipeInput("k", "count:b");

    assertThat(changelogRequests())
        .containsExactly(KeyValue.pair("a", 1L), KeyValue.pair("a", 2L), KeyValue.pair("b", 1L));
  }

  @Test
  void closingReturnsTheNewestCountsInKeyOrderAndLeavesTombstones() {
    in.pipeInput("k", "count:b");
    in.pipeInput("k", "count:a");
    in.pipeInput("k", "count:b");
    in.pipeInput("k", "count:c");
    changelog.readRecordsToList();
    closed.readRecordsToList();

    in.pipeInput("k", "close:c");

    assertThat(closed.readRecordsToList())
        .extracting(TestRecord::key, TestRecord::value)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("a", "1"),
            org.assertj.core.groups.Tuple.tuple("b", "2"));
    assertThat(changelogRequests())
        .containsExactly(KeyValue.pair("a", null), KeyValue.pair("b", null));
  }

  @Test
  void theHeapHoldsAtMostItsLimitAndEvictedAggregatesKeepCounting() {
    for (String key : List.of("a", "b", "c", "a", "d", "b")) {
      in.pipeInput("k", "count:" + key);
    }
    assertThat(closed.readRecordsToList())
        .extracting(TestRecord::value)
        .allSatisfy(n -> assertThat(Integer.parseInt(n)).isLessThanOrEqualTo(MAX_ON_HEAP));

    in.pipeInput("k", "close:z");

    assertThat(closed.readRecordsToList())
        .extracting(TestRecord::key, TestRecord::value)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("a", "2"),
            org.assertj.core.groups.Tuple.tuple("b", "2"),
            org.assertj.core.groups.Tuple.tuple("c", "1"),
            org.assertj.core.groups.Tuple.tuple("d", "1"));
  }
}
