package io.tokenmeter.bench;

import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * Reports {@code caller.alloc.norm}: bytes allocated per operation by the benchmark's own (caller)
 * thread, as counted by {@link CallerAllocation}. Use it as {@code -prof
 * io.tokenmeter.bench.CallerAllocationProfiler}, on benchmarks that take a CallerAllocation state.
 *
 * <p>JMH's {@code -prof gc} reports {@code gc.alloc.rate.norm} from every thread in the JVM. For
 * the SDK that includes its worker and Kafka's I/O thread, i.e. the whole cost of publishing an
 * event: real, but not what the caller's thread pays, which is what this one isolates.
 */
public class CallerAllocationProfiler implements InternalProfiler {

  @Override
  public String getDescription() {
    return "Bytes allocated per op by the caller (JMH worker) thread only";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    // CallerAllocation resets and starts counting in its own iteration setup.
  }

  @Override
  @SuppressWarnings("rawtypes") // JMH's own signature uses the raw Result type
  public Collection<? extends Result> afterIteration(
      BenchmarkParams benchmarkParams, IterationParams iterationParams, IterationResult result) {
    long bytes = CallerAllocation.lastIterationBytes;
    long ops = result.getMetadata().getAllOps();
    double perOp = bytes < 0 || ops == 0 ? Double.NaN : (double) bytes / ops;
    return List.of(new ScalarResult("caller.alloc.norm", perOp, "B/op", AggregationPolicy.AVG));
  }
}
