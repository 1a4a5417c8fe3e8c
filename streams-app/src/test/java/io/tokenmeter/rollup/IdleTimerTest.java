package io.tokenmeter.rollup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IdleTimerTest {

  @Test
  void theFirstCheckStartsTheTimerInsteadOfCountingFromTheEpoch() {
    IdleTimer idle = new IdleTimer();
    long now = 1_795_782_504_067L;

    assertThat(idle.idleFor(10_000, now)).isFalse();
    assertThat(idle.idleFor(10_000, now + 9_999)).isFalse();
    assertThat(idle.idleFor(10_000, now + 10_000)).isTrue();
  }

  @Test
  void inputRestartsTheTimer() {
    IdleTimer idle = new IdleTimer();
    idle.input(1_000);

    assertThat(idle.idleFor(10_000, 10_999)).isFalse();
    idle.input(10_999);
    assertThat(idle.idleFor(10_000, 20_000)).isFalse();
    assertThat(idle.idleFor(10_000, 20_999)).isTrue();
  }
}
