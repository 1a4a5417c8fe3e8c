package io.tokenmeter.rollup;

import static io.tokenmeter.rollup.Calls.call;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
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
  private static final String CHANGELOG = "heap-store-test-" + STORE + "-changelog";
  private static final int MAX_ON_HEAP = 2;

  private final TopologyTestDriver driver = new TopologyTestDriver(topology(), props());
  private final TestInputTopic<String, String> in =
      driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
  private final TestOutputTopic<String, String> closed =
      driver.createOutputTopic("closed", new StringDeserializer(), new StringDeserializer());
  private final TestOutputTopic<byte[], byte[]> changelog =
      driver.createOutputTopic(CHANGELOG, new ByteArrayDeserializer(), new ByteArrayDeserializer());

  @AfterEach
  void close() {
    driver.close();
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
        store.getForUpdate(key, RollupAggregate::new).add(call(Instant.EPOCH).build(), false, OptionalLong.of(1), "v1");
        context.forward(record.withKey("on-heap").withValue(Integer.toString(store.onHeap())));
      } else {
        for (KeyValue<Bytes, RollupAggregate> kv : store.removeRange(Bytes.wrap(new byte[0]), key)) {
          context.forward(record.withKey(new String(kv.key.get(), StandardCharsets.UTF_8)).withValue(Long.toString(kv.value.requests)));
        }
      }
    }
  }

  private static Topology topology() {
    Topology t = new Topology();
    t.addSource("in", new StringDeserializer(), new StringDeserializer(), "in");
    t.addProcessor("counting", Counting::new, "in");
    t.addStateStore(new HeapStoreBuilder<>(STORE, RollupStores.AGGREGATES, MAX_ON_HEAP), "counting");
    t.addSink("closed", "closed", new StringSerializer(), new StringSerializer(), "counting");
    return t;
  }

  private static Properties props() {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "heap-store-test");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    return p;
  }

  private List<KeyValue<String, Long>> changelogRequests() {
    return changelog.readRecordsToList().stream()
        .map(r -> KeyValue.pair(new String(r.key(), StandardCharsets.UTF_8), r.value() == null ? null : RollupAggregate.decode(r.value()).requests))
        .toList();
  }

  @Test
  void everyCommitWritesTheChangedAggregatesToTheChangelogOnce() {
    // The test driver commits after each input record, as a task does at its commit interval.
    in.pipeInput("k", "count:a");
    in.pipeInput("k", "count:a");
    in.pipeInput("k", "count:b");

    assertThat(changelogRequests()).containsExactly(
        KeyValue.pair("a", 1L),
        KeyValue.pair("a", 2L),
        KeyValue.pair("b", 1L));
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

    assertThat(closed.readRecordsToList()).extracting(TestRecord::key, TestRecord::value)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("a", "1"), org.assertj.core.groups.Tuple.tuple("b", "2"));
    assertThat(changelogRequests()).containsExactly(KeyValue.pair("a", null), KeyValue.pair("b", null));
  }

  @Test
  void theHeapHoldsAtMostItsLimitAndEvictedAggregatesKeepCounting() {
    for (String key : List.of("a", "b", "c", "a", "d", "b")) {
      in.pipeInput("k", "count:" + key);
    }
    assertThat(closed.readRecordsToList()).extracting(TestRecord::value).allSatisfy(n -> assertThat(Integer.parseInt(n)).isLessThanOrEqualTo(MAX_ON_HEAP));

    in.pipeInput("k", "close:z");

    assertThat(closed.readRecordsToList()).extracting(TestRecord::key, TestRecord::value).containsExactly(
        org.assertj.core.groups.Tuple.tuple("a", "2"),
        org.assertj.core.groups.Tuple.tuple("b", "2"),
        org.assertj.core.groups.Tuple.tuple("c", "1"),
        org.assertj.core.groups.Tuple.tuple("d", "1"));
  }
}
