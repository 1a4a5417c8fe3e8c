package io.tokenmeter.bench.pipeline;

import java.lang.management.ManagementFactory;

/** CPU time of this JVM, all threads, GC and JIT included: what the contender costs the machine. */
final class Cpu {

  private Cpu() {}

  static long processNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** CPU of another process so far, or -1 when the OS does not tell. */
  static long processNanos(long pid) {
    return ProcessHandle.of(pid)
        .flatMap(p -> p.info().totalCpuDuration())
        .map(java.time.Duration::toNanos)
        .orElse(-1L);
  }
}
