package io.tokenmeter.rollup;

import static io.tokenmeter.rollup.Calls.call;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The rollup's open windows reach the changelog in every commit, each changed aggregate once, under the
 * state key the rollup has always used; a store that lost its heap (a recycled task) closes them
 * with the committed counts; closing leaves tombstones.
 */
class HeapWindowsTest {


  private final StoreDriver store = new StoreDriver("heap-windows-test", Counting::new, RollupStores.windows());
  private final TestInputTopic<String, String> in = store.in;
  private final TestOutputTopic<String, String> closed = store.out;
  private final TestOutputTopic<byte[], byte[]> changelog = store.changelog;

  @AfterEach
  void close() {
    store.close();
  }

  /** "count:MINUTE:MODEL" counts a request; "close:MINUTE" closes the windows before it; "drop-heap". */
  private static final class Counting implements Processor<String, String, String, String> {
    private ProcessorContext<String, String> context;
    private HeapWindows<Dimensions, RollupAggregate> windows;

    @Override
    public void init(ProcessorContext<String, String> context) {
      this.context = context;
      this.windows = context.getStateStore(RollupStores.WINDOWS);
    }

    @Override
    public void process(Record<String, String> record) {
      String[] op = record.value().split(":");
      switch (op[0]) {
        case "count" -> windows.forUpdate(minute(op[1]), dims(op[2]))
            .add(call(Instant.EPOCH).build(), false, OptionalLong.of(1), "v1");
        case "close" -> {
          for (HeapWindows.Slot<Dimensions, RollupAggregate> slot : windows.removeBefore(minute(op[1]))) {
            context.forward(record.withKey(slot.windowStart / 60_000 + ":" + slot.key.model())
                .withValue(Long.toString(slot.value.requests)));
          }
        }
        case "drop-heap" -> windows.clearCache();
        default -> throw new IllegalArgumentException(record.value());
      }
    }
  }

  private static long minute(String m) {
    return Long.parseLong(m) * 60_000;
  }

  private static Dimensions dims(String model) {
    return new Dimensions(model, "org-1", "proj-1", "fp-1", "svc");
  }

  /** "MINUTE:MODEL=REQUESTS", or "=deleted" for a tombstone. */
  private static String describe(TestRecord<byte[], byte[]> r) {
    BinaryReader key = new BinaryReader(r.key());
    long start = RollupKeys.windowStartOf(key);
    String model = Dimensions.readFrom(key).model();
    return start / 60_000 + ":" + model + "=" + (r.value() == null ? "deleted" : RollupAggregate.decode(r.value()).requests);
  }

  @Test
  void everyCommitWritesEachChangedAggregateOnceUnderItsStateKey() {
    // The test driver commits after each input record, as a task does at its commit interval.
    in.pipeInput("k", "count:1:gpt-4o");
    in.pipeInput("k", "count:1:gpt-4o");
    in.pipeInput("k", "count:2:o3");

    assertThat(changelog.readRecordsToList()).extracting(HeapWindowsTest::describe)
        .containsExactly("1:gpt-4o=1", "1:gpt-4o=2", "2:o3=1");
  }

  @Test
  void aStoreThatLostItsHeapClosesTheCommittedCountsInWindowAndKeyOrderAndLeavesTombstones() {
    for (String op : List.of("count:2:b", "count:1:b", "count:1:a", "count:1:b", "count:3:c")) {
      in.pipeInput("k", op);
    }
    changelog.readRecordsToList();

    in.pipeInput("k", "drop-heap");
    in.pipeInput("k", "close:3");

    assertThat(closed.readRecordsToList()).extracting(r -> r.key() + "=" + r.value())
        .containsExactly("1:a=1", "1:b=2", "2:b=1");
    assertThat(changelog.readRecordsToList()).extracting(HeapWindowsTest::describe)
        .containsExactly("1:a=deleted", "1:b=deleted", "2:b=deleted");
    in.pipeInput("k", "close:4");
    assertThat(closed.readRecordsToList()).extracting(r -> r.key() + "=" + r.value()).containsExactly("3:c=1");
  }
}
