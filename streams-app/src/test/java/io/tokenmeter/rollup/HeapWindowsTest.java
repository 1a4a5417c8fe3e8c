package io.tokenmeter.rollup;

import static io.tokenmeter.rollup.Calls.call;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The rollup's open windows reach the changelog in every commit as one batch record per minute
 * that changed, each changed aggregate once under the state key the rollup has always used; closed
 * windows are logged as closed in the next batch, and a minute whose windows are all closed has its
 * records deleted. A store that lost its heap (a recycled task) rebuilds it from the records, so a
 * minute emitted over several commits resumes where it stopped; single-window records of earlier
 * versions are read and replaced.
 */
class HeapWindowsTest {

  private final StoreDriver store =
      new StoreDriver("heap-windows-test", Counting::new, RollupStores.windows());
  private final TestInputTopic<String, String> in = store.in;
  private final TestOutputTopic<String, String> closed = store.out;
  private final TestOutputTopic<byte[], byte[]> changelog = store.changelog;

  @AfterEach
  void close() {
    store.close();
  }

  /**
   * "count:MINUTE:MODEL" counts a request; "close:MINUTE" closes and emits the windows before it;
   * "take:MINUTE" takes them and "emit:N" emits and forgets the next N taken ones (a minute emitted
   * over several commits); "legacy:MINUTE:MODEL:REQUESTS" writes a single-window record as earlier
   * versions did; "drop-heap".
   */
  private static final class Counting implements Processor<String, String, String, String> {
    private ProcessorContext<String, String> context;
    private HeapWindows<Dimensions, RollupAggregate> windows;
    private final ArrayDeque<HeapWindows.Slot<Dimensions, RollupAggregate>> taken =
        new ArrayDeque<>();

    @Override
    public void init(ProcessorContext<String, String> context) {
      this.context = context;
      this.windows = context.getStateStore(RollupStores.WINDOWS);
    }

    @Override
    public void process(Record<String, String> record) {
      String[] op = record.value().split(":");
      switch (op[0]) {
        case "count" ->
          windows
              .forUpdate(minute(op[1]), dims(op[2]))
              .add(call(Instant.EPOCH).build(), false, OptionalLong.of(1), "v1");
        case "close" -> {
          for (HeapWindows.Slot<Dimensions, RollupAggregate> slot :
              windows.removeBefore(minute(op[1]))) {
            emit(record, slot);
          }
        }
        case "take" -> taken.addAll(windows.takeBefore(minute(op[1])));
        case "emit" -> {
          for (int i = Integer.parseInt(op[1]); i > 0 && !taken.isEmpty(); i--) {
            HeapWindows.Slot<Dimensions, RollupAggregate> slot = taken.poll();
            emit(record, slot);
            windows.forget(slot);
          }
        }
        case "legacy" -> {
          RollupAggregate aggregate = new RollupAggregate();
          for (int i = Integer.parseInt(op[3]); i > 0; i--) {
            aggregate.add(call(Instant.EPOCH).build(), false, OptionalLong.of(1), "v1");
          }
          windows.writeThrough(
              Bytes.wrap(RollupKeys.stateKey(minute(op[1]), dims(op[2]))), aggregate.encode());
        }
        case "drop-heap" -> {
          windows.clearCache();
          taken.clear();
        }
        default -> throw new IllegalArgumentException(record.value());
      }
    }

    private void emit(
        Record<String, String> record, HeapWindows.Slot<Dimensions, RollupAggregate> slot) {
      context.forward(record
          .withKey(slot.windowStart / 60_000 + ":" + slot.key.model())
          .withValue(Long.toString(slot.value.requests)));
    }
  }

  private static long minute(String m) {
    return Long.parseLong(m) * 60_000;
  }

  private static Dimensions dims(String model) {
    return new Dimensions(model, "org-1", "proj-1", "fp-1", "svc");
  }

  /**
   * A changelog record as text: a batch as "[MINUTE:MODEL=REQUESTS, MINUTE:MODEL=closed]", a
   * batch's tombstone as "MINUTE:batch deleted", a single-window record as "MINUTE:MODEL=REQUESTS"
   * or "MINUTE:MODEL=deleted".
   */
  private static String describe(TestRecord<byte[], byte[]> r) {
    if (WindowBatch.isBatchKey(r.key())) {
      if (r.value() == null) {
        return WindowBatch.minuteOf(r.key()) / 60_000 + ":batch deleted";
      }
      List<String> entries = new ArrayList<>();
      WindowBatch.read(
          r.value(),
          (key, value) -> entries.add(window(key) + "="
              + (value == null ? "closed" : RollupAggregate.decode(value).requests)));
      return entries.toString();
    }
    return window(r.key()) + "="
        + (r.value() == null ? "deleted" : RollupAggregate.decode(r.value()).requests);
  }

  private static String window(byte[] stateKey) {
    BinaryReader key = new BinaryReader(stateKey);
    long start = RollupKeys.windowStartOf(key);
    return start / 60_000 + ":" + Dimensions.readFrom(key).model();
  }

  private List<String> changelog() {
    return changelog.readRecordsToList().stream().map(HeapWindowsTest::describe).toList();
  }

  private List<String> closed() {
    return closed.readRecordsToList().stream()
        .map(r -> r.key() + "=" + r.value())
        .toList();
  }

  @Test
  void everyCommitWritesOneBatchPerChangedMinuteWithEachChangedAggregateOnce() {
    // The test driver commits after each input record, as a task does at its commit interval.
    in.pipeInput("k", "count:1:gpt-4o");
    in.pipeInput("k", "count:1:gpt-4o");
    in.pipeInput("k", "count:2:o3");

    assertThat(changelog()).containsExactly("[1:gpt-4o=1]", "[1:gpt-4o=2]", "[2:o3=1]");
  }

  @Test
  void
      aStoreThatLostItsHeapClosesTheCommittedCountsInWindowAndKeyOrderAndDeletesTheClosedMinutesBatches() {
    for (String op : List.of("count:2:b", "count:1:b", "count:1:a", "count:1:b", "count:3:c")) {
      in.pipeInput("k", op);
    }
    changelog.readRecordsToList();

    in.pipeInput("k", "drop-heap");
    in.pipeInput("k", "close:3");

    assertThat(closed()).containsExactly("1:a=1", "1:b=2", "2:b=1");
    // Minute 1 had three batches, minute 2 one; minute 3 is untouched.
    assertThat(changelog())
        .containsExactly(
            "1:batch deleted", "1:batch deleted", "1:batch deleted", "2:batch deleted");
    in.pipeInput("k", "close:4");
    assertThat(closed()).containsExactly("3:c=1");
  }

  @Test
  void aMinuteEmittedOverSeveralCommitsResumesAfterARestoreWithOnlyTheWindowsNotYetOut() {
    for (String op : List.of("count:1:a", "count:1:b", "count:1:c", "count:1:d", "count:2:e")) {
      in.pipeInput("k", op);
    }
    changelog.readRecordsToList();

    in.pipeInput("k", "take:2");
    in.pipeInput("k", "emit:2");
    assertThat(closed()).containsExactly("1:a=1", "1:b=1");
    assertThat(changelog()).containsExactly("[1:a=closed, 1:b=closed]");

    in.pipeInput("k", "drop-heap"); // as a crash after that commit: the store is the truth
    in.pipeInput("k", "close:3");
    assertThat(closed()).containsExactly("1:c=1", "1:d=1", "2:e=1");
    assertThat(changelog())
        .containsExactly(
            "1:batch deleted",
            "1:batch deleted",
            "1:batch deleted",
            "1:batch deleted",
            "1:batch deleted",
            "2:batch deleted");
  }

  @Test
  void aSingleWindowRecordOfAnEarlierVersionIsReadAndReplacedByTheBatchThatNextHoldsItsWindow() {
    in.pipeInput("k", "legacy:1:a:5");
    in.pipeInput("k", "legacy:1:b:7");
    changelog.readRecordsToList();
    in.pipeInput("k", "drop-heap");

    in.pipeInput("k", "count:1:a");
    assertThat(changelog()).containsExactly("1:a=deleted", "[1:a=6]");

    in.pipeInput("k", "drop-heap");
    in.pipeInput("k", "close:2");
    assertThat(closed()).containsExactly("1:a=6", "1:b=7");
    assertThat(changelog()).containsExactly("1:b=deleted", "1:batch deleted");
  }
}
