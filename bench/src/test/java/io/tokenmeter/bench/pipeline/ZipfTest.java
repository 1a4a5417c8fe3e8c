package io.tokenmeter.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ZipfTest {

  @Test
  void probabilitiesFollowThePowerLawAndSumToOne() {
    Zipf zipf = new Zipf(1000, 1.1);
    double sum = 0;
    for (int k = 0; k < zipf.size(); k++) {
      sum += zipf.probability(k);
    }
    assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(zipf.probability(0) / zipf.probability(1))
        .isCloseTo(Math.pow(2, 1.1), org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void drawsMatchTheDistribution() {
    Zipf zipf = new Zipf(1000, 1.1);
    Random random = new Random(7);
    int[] counts = new int[1000];
    int n = 200_000;
    for (int i = 0; i < n; i++) {
      counts[zipf.next(random)]++;
    }
    assertThat(counts[0] / (double) n)
        .isCloseTo(zipf.probability(0), org.assertj.core.data.Offset.offset(0.01));
    assertThat(counts[9] / (double) n)
        .isCloseTo(zipf.probability(9), org.assertj.core.data.Offset.offset(0.005));
    assertThat(counts[0]).isGreaterThan(counts[1]).isGreaterThan(counts[10]);
  }

  @Test
  void sameSeedSameDraws() {
    Zipf zipf = new Zipf(50_000, 1.1);
    Random a = new Random(1);
    Random b = new Random(1);
    for (int i = 0; i < 1000; i++) {
      assertThat(zipf.next(a)).isEqualTo(zipf.next(b)).isBetween(0, 49_999);
    }
  }

  @Test
  void rejectsNonsense() {
    assertThatThrownBy(() -> new Zipf(0, 1.1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Zipf(10, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
