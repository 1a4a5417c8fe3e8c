package io.tokenmeter.bench;

import java.lang.management.ManagementFactory;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Counts the bytes the benchmark (caller) thread allocates between the start and the end of an
 * iteration's operations, for {@link CallerAllocationProfiler}. Reading the counter here, on the
 * caller's own thread and inside the iteration, leaves out JMH's own end-of-iteration work (the
 * SampleTime statistics box every distinct sample), which would otherwise be charged to the SDK.
 */
@State(Scope.Thread)
public class CallerAllocation {

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** Bytes allocated by the caller thread in the last finished iteration; -1 if none yet. */
  static volatile long lastIterationBytes = -1;

  private long startBytes;

  @Setup(Level.Iteration)
  public void start() {
    lastIterationBytes = -1;
    startBytes = THREADS.getCurrentThreadAllocatedBytes();
  }

  @TearDown(Level.Iteration)
  public void stop() {
    lastIterationBytes = THREADS.getCurrentThreadAllocatedBytes() - startBytes;
  }
}
