package io.tokenmeter.bench.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU time per thread group of this JVM, from {@code /proc/self/task} (Linux only): the stream
 * thread against the producer's sender, the consumer's heartbeat, GC and the JIT, which a Java
 * profiler's samples do not show side by side. Threads are grouped by name with digits dropped.
 */
final class ThreadCpu {

  private static final double TICKS_PER_SECOND = 100.0;

  private ThreadCpu() {}

  /** CPU-seconds per thread group of this JVM since it started; empty where /proc is not there. */
  static Map<String, Double> byGroup() {
    return byGroup("self");
  }

  /** The same for another process ({@code pid} or "self"). */
  static Map<String, Double> byGroup(String pid) {
    Map<String, Double> groups = new TreeMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc", pid, "task"))) {
      tasks.forEach(task -> {
        try {
          String stat = Files.readString(task.resolve("stat"));
          // The name is between the first '(' and the last ')'; utime and stime are fields 14
          // and 15, the 12th and 13th after it.
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
              .replaceAll("[0-9]+", "#");
          String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          double seconds = (Long.parseLong(rest[11]) + Long.parseLong(rest[12])) / TICKS_PER_SECOND;
          groups.merge(name, seconds, Double::sum);
        } catch (IOException | RuntimeException e) {
          // a thread that ended while we read: not worth a line
        }
      });
    } catch (IOException e) {
      return Map.of();
    }
    return groups;
  }

  /** {@code after - before}, group by group. */
  static Map<String, Double> since(Map<String, Double> before, Map<String, Double> after) {
    Map<String, Double> d = new TreeMap<>();
    after.forEach((k, v) -> d.put(k, v - before.getOrDefault(k, 0.0)));
    return d;
  }

  /** The groups above 0.1 CPU-s, largest first, as one line per group. */
  static String describe(Map<String, Double> groups) {
    StringBuilder sb = new StringBuilder("CPU-seconds by thread group:\n");
    groups.entrySet().stream()
        .filter(e -> e.getValue() >= 0.1)
        .sorted((a, b) -> Double.compare(b.getValue(), a.getValue()))
        .forEach(e -> sb.append(String.format("  %8.2f  %s%n", e.getValue(), e.getKey())));
    return sb.toString();
  }
}
