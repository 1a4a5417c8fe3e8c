package io.tokenmeter.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.app.HangingTransactions.OpenTransaction;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** When the coordinator has provably moved past a transaction left open on a partition. */
class HangingTransactionsTest {

  private static final TopicPartition TP =
      new TopicPartition("tokenmeter-rollup-windows-changelog", 1);
  private static final OpenTransaction OPEN = new OpenTransaction(TP, 7L, 7, 41L, 0);

  private static TransactionDescription coordinator(
      TransactionState state, long producerId, int epoch) {
    return new TransactionDescription(
        1, state, producerId, epoch, 10_000, OptionalLong.empty(), Set.of());
  }

  @ParameterizedTest
  @EnumSource(
      value = TransactionState.class,
      names = {"EMPTY", "ONGOING", "COMPLETE_COMMIT", "COMPLETE_ABORT"})
  void aSettledCoordinatorAtANewerEpochWillNeverFinishIt(TransactionState state) {
    assertThat(HangingTransactions.coordinatorIsPast(OPEN, coordinator(state, 7L, 8)))
        .isTrue();
  }

  @ParameterizedTest
  @EnumSource(
      value = TransactionState.class,
      names = {"PREPARE_COMMIT", "PREPARE_ABORT", "PREPARE_EPOCH_FENCE", "UNKNOWN"})
  void whileMarkersMayStillBeOwedItWaits(TransactionState state) {
    // Transactions v2 bumps the epoch when it prepares a commit, before the markers reach the
    // partitions.
    assertThat(HangingTransactions.coordinatorIsPast(OPEN, coordinator(state, 7L, 8)))
        .isFalse();
    assertThat(HangingTransactions.coordinatorIsPast(OPEN, coordinator(state, 7L, 20)))
        .isFalse();
  }

  @ParameterizedTest
  @EnumSource(
      value = TransactionState.class,
      names = {"EMPTY", "ONGOING", "COMPLETE_COMMIT", "COMPLETE_ABORT"})
  void atTheSameEpochNothingProvesItIsOver(TransactionState state) {
    // Transactions v1 keeps the epoch from one transaction to the next: this may be the live one.
    assertThat(HangingTransactions.coordinatorIsPast(OPEN, coordinator(state, 7L, 7)))
        .isFalse();
  }

  @Test
  void aCoordinatorThatMovedToAnotherProducerIdIsPastIt() {
    assertThat(
            HangingTransactions.coordinatorIsPast(OPEN, coordinator(TransactionState.EMPTY, 9L, 0)))
        .isTrue();
  }

  @Test
  void withoutAnAnswerFromTheCoordinatorNothingIsAborted() {
    assertThat(HangingTransactions.coordinatorIsPast(OPEN, null)).isFalse();
  }
}
