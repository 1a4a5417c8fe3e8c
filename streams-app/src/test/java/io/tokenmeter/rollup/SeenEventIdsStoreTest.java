package io.tokenmeter.rollup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The seen ids reach the changelog as one record per minute and commit, through the hook Kafka
 * Streams calls while preparing a commit; forgetting a minute deletes its records; and a store
 * whose heap was dropped answers from what its logged store holds, as a restored task does.
 */
class SeenEventIdsStoreTest {

  private static final long MINUTE = 60_000;

  private final StoreDriver store =
      new StoreDriver("seen-ids-test", Asking::new, RollupStores.dedup());
  private final TestInputTopic<String, String> in = store.in;
  private final TestOutputTopic<String, String> answers = store.out;
  private final TestOutputTopic<byte[], byte[]> changelog = store.changelog;

  @AfterEach
  void close() {
    store.close();
  }

  /**
   * "seen:MINUTE:ID,ID,..." asks for each id in that minute and answers "new" or "dup" each;
   * "forget:MINUTE" forgets the minutes before it; "drop-heap" drops the heap copy, as a recycled
   * task does; "size" answers the ids on the heap and their bytes.
   */
  private static final class Asking implements Processor<String, String, String, String> {
    private ProcessorContext<String, String> context;
    private SeenEventIdsStore store;

    @Override
    public void init(ProcessorContext<String, String> context) {
      this.context = context;
      this.store = context.getStateStore(RollupStores.DEDUP);
    }

    @Override
    public void process(Record<String, String> record) {
      String[] op = record.value().split(":", 3);
      switch (op[0]) {
        case "seen" -> {
          long eventTime = Long.parseLong(op[1]) * MINUTE + 30_000;
          StringBuilder answer = new StringBuilder();
          for (String id : op[2].split(",")) {
            answer
                .append(answer.isEmpty() ? "" : ",")
                .append(store.firstSeen(id, eventTime) ? "new" : "dup");
          }
          context.forward(record.withValue(answer.toString()));
        }
        case "forget" -> store.forgetBefore(Long.parseLong(op[1]) * MINUTE);
        case "drop-heap" -> store.clearCache();
        case "size" ->
          context.forward(record.withValue(store.size() + " ids, " + store.heapBytes() + " bytes"));
        default -> throw new IllegalArgumentException(record.value());
      }
    }
  }

  private String ask(String op) {
    in.pipeInput("k", op);
    return answers.readValue();
  }

  /** (minute, batch sequence) of a changelog key; null value = a deleted batch. */
  private static String describe(TestRecord<byte[], byte[]> r) {
    ByteBuffer key = ByteBuffer.wrap(r.key());
    return "minute " + (key.getLong() ^ Long.MIN_VALUE) / MINUTE + " batch " + key.getLong()
        + (r.value() == null ? " deleted" : " " + r.value().length + " bytes");
  }

  @Test
  void aSecondIdOfAnyRememberedMinuteIsADuplicate() {
    assertThat(ask("seen:1:a,b,a")).isEqualTo("new,new,dup");
    assertThat(ask("seen:2:b,c")).isEqualTo("dup,new");
    assertThat(ask("seen:1:c")).isEqualTo("dup");
  }

  @Test
  void aCommitWritesOneRecordPerMinuteThatGainedIdsAndNothingWhenNoneDid() {
    ask("seen:1:id-1,id-2,id-3"); // one commit (the test driver commits after each input record)
    ask("seen:1:id-1"); // a duplicate only: nothing new to write
    ask("seen:1:id-4,id-5");
    ask("seen:2:id-6");

    assertThat(changelog.readRecordsToList())
        .extracting(SeenEventIdsStoreTest::describe)
        .containsExactly(
            "minute 1 batch 0 15 bytes", // three ids of 4 bytes, each after a 1-byte length
            "minute 1 batch 1 10 bytes",
            "minute 2 batch 2 5 bytes");
  }

  @Test
  void aBacklogCommitSplitsAMinutesIdsIntoRecordsOfAtMost256KiBAndAllComeBack() {
    List<String> uuids = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      uuids.add(UUID.nameUUIDFromBytes(Integer.toString(i).getBytes()).toString());
    }
    ask("seen:1:" + String.join(",", uuids)); // 10,000 ids of 37 bytes in one commit

    // 262,144 / 37 = 7,084 ids in the first record, the other 2,916 in the second.
    assertThat(changelog.readRecordsToList())
        .extracting(SeenEventIdsStoreTest::describe)
        .containsExactly("minute 1 batch 0 262108 bytes", "minute 1 batch 1 107892 bytes");
    in.pipeInput("k", "drop-heap");
    assertThat(ask("seen:1:" + String.join(",", uuids)).split(",")).containsOnly("dup");
  }

  @Test
  void forgettingAMinuteDeletesItsBatchesAndItsIdsCountAsNewAgain() {
    ask("seen:1:a");
    ask("seen:1:b");
    ask("seen:2:c");
    changelog.readRecordsToList();

    in.pipeInput("k", "forget:2");

    assertThat(changelog.readRecordsToList())
        .extracting(SeenEventIdsStoreTest::describe)
        .containsExactly("minute 1 batch 0 deleted", "minute 1 batch 1 deleted");
    assertThat(ask("seen:2:a,c")).isEqualTo("new,dup");
  }

  @Test
  void aStoreThatLostItsHeapRemembersEveryCommittedIdFromItsLoggedStore() {
    String longId = "x".repeat(300); // a two-byte length
    String unicode = "évènement-日本-\uD83D\uDE00";
    List<String> uuids = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) { // enough to grow the table and the array several times
      uuids.add(UUID.nameUUIDFromBytes(new byte[] {(byte) i, (byte) (i >> 8)}).toString());
    }
    ask("seen:1:" + String.join(",", uuids.subList(0, 2_500)));
    ask("seen:2:" + String.join(",", uuids.subList(2_500, 5_000)) + "," + longId + "," + unicode);

    in.pipeInput("k", "drop-heap");

    assertThat(ask("seen:3:" + longId + "," + unicode + ",fresh")).isEqualTo("dup,dup,new");
    assertThat(ask("seen:3:" + String.join(",", uuids)).split(",")).containsOnly("dup");
    assertThat(ask("size")).startsWith("5003 ids");
  }

  @Test
  void aUuidTakesAboutSeventyBytesOnTheHeap() {
    StringBuilder ids = new StringBuilder();
    for (int i = 0; i < 100_000; i++) {
      ids.append(i == 0 ? "" : ",")
          .append(UUID.nameUUIDFromBytes(Integer.toString(i).getBytes()));
    }
    ask("seen:1:" + ids);

    String[] size = ask("size").split(" ");
    long bytesPerId = Long.parseLong(size[2]) / Long.parseLong(size[0]);
    // 37 bytes of id in an array that grows by doubling, 16 to 32 bytes of table.
    assertThat(bytesPerId).isBetween(53L, 106L);
  }

  @Test
  void aNewMinuteStartsAtWhatThePreviousMinuteUsedInsteadOfGrowingFromAFewKilobytes() {
    ask("seen:1:" + uuids(0, 20_000));
    long oneMinute = heapBytes();
    ask("seen:2:" + uuids(20_000, 40_000));
    // The first minute grew by doubling, to the next power of two; the second was made at the
    // first one's size and never grew.
    assertThat(heapBytes() - oneMinute).isLessThan(oneMinute);
    assertThat(ask("seen:2:" + uuids(0, 40_000)).split(",")).containsOnly("dup").hasSize(40_000);
  }

  private static String uuids(int from, int to) {
    StringBuilder ids = new StringBuilder();
    for (int i = from; i < to; i++) {
      ids.append(i == from ? "" : ",")
          .append(UUID.nameUUIDFromBytes(Integer.toString(i).getBytes()));
    }
    return ids.toString();
  }

  private long heapBytes() {
    return Long.parseLong(ask("size").split(" ")[2]);
  }
}
