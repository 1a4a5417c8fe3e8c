package io.tokenmeter.bench.pipeline;

import java.util.Arrays;
import java.util.Random;

/**
 * Ranks 0..n-1 drawn with probability proportional to 1/(rank+1)^exponent. Real LLM traffic is
 * skewed like this: a few keys and services make most calls, so per-key state is hot for a few
 * keys and cold for the long tail, which a uniform draw would hide.
 */
final class Zipf {

  private final double[] cumulative;

  Zipf(int n, double exponent) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1, was " + n);
    }
    if (!(exponent > 0)) {
      throw new IllegalArgumentException("exponent must be > 0, was " + exponent);
    }
    cumulative = new double[n];
    double sum = 0;
    for (int k = 0; k < n; k++) {
      sum += 1.0 / Math.pow(k + 1, exponent);
      cumulative[k] = sum;
    }
    for (int k = 0; k < n; k++) {
      cumulative[k] /= sum;
    }
    cumulative[n - 1] = 1.0; // rounding must not leave a gap above the last rank
  }

  int size() {
    return cumulative.length;
  }

  /** The probability of {@code rank}. */
  double probability(int rank) {
    return rank == 0 ? cumulative[0] : cumulative[rank] - cumulative[rank - 1];
  }

  int next(Random random) {
    double u = random.nextDouble();
    int i = Arrays.binarySearch(cumulative, u);
    // binarySearch gives -(insertion point) - 1 when u is not an exact entry: the first rank whose
    // cumulative probability exceeds u.
    return i >= 0 ? Math.min(i + 1, cumulative.length - 1) : -i - 1;
  }
}
