package io.tokenmeter.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Two instances measured as one contender: first record of either to the last finish, CPU of both. */
class TokenmeterContenderTest {

  private static ResultFile result(long first, long finished, long cpu) {
    return new ResultFile("tokenmeter-eos", 1_000, first, finished, cpu, 0, null, null, null);
  }

  @Test
  void instancesRunFromTheFirstRecordAnyReadToTheLastFinishOnAllTheirCpu() {
    ResultFile r =
        TokenmeterContender.combined(List.of(result(1_000, 9_000, 5), result(1_400, 9_500, 7)));
    assertThat(r.firstRecordAtMs()).isEqualTo(1_000);
    assertThat(r.finishedAtMs()).isEqualTo(9_500);
    assertThat(r.cpuNanos()).isEqualTo(12);
    assertThat(r.records()).isEqualTo(1_000);
  }

  @Test
  void anInstanceThatReadNothingDoesNotMoveTheStartAndOneThatFailedFailsTheRun() {
    assertThat(TokenmeterContender.combined(List.of(result(0, 9_000, 3), result(1_400, 9_500, 7)))
            .firstRecordAtMs())
        .isEqualTo(1_400);
    ResultFile failed = ResultFile.failed("tokenmeter-eos", "Kafka Streams went to ERROR");
    assertThat(TokenmeterContender.combined(List.of(result(1_000, 9_000, 5), failed))
            .error())
        .isEqualTo("Kafka Streams went to ERROR");
  }
}
