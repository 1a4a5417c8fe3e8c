package io.tokenmeter.bench.pipeline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Where the numbers come from: a benchmark result without its machine cannot be compared. */
final class MachineInfo {

  private MachineInfo() {}

  static Map<String, Object> collect(BenchOptions options, String command) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("nproc", Runtime.getRuntime().availableProcessors());
    m.put("cpuModel", firstValue(Path.of("/proc/cpuinfo"), "model name"));
    String mem = firstValue(Path.of("/proc/meminfo"), "MemTotal");
    m.put(
        "memory",
        mem.endsWith("kB")
            ? Math.round(Long.parseLong(mem.replace("kB", "").strip()) / 1048576.0) + " GiB"
            : mem);
    m.put(
        "os",
        System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
            + System.getProperty("os.arch"));
    m.put("javaVersion", childJavaVersion());
    m.put(
        "loadAverage",
        read(Path.of("/proc/loadavg")).split(" ").length >= 3
            ? String.join(
                " ", List.of(read(Path.of("/proc/loadavg")).split(" ")).subList(0, 3))
            : "unknown");
    m.put("dateUtc", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    m.put("events", options.events());
    m.put("partitions", options.partitions());
    m.put("repeats", options.repeats());
    m.put("graceSeconds", options.graceSeconds());
    m.put("sets", options.sets().isEmpty() ? "none" : options.sets().toString());
    m.put("contenders", options.contenders());
    m.put("command", command);
    return m;
  }

  /** The first line of {@code java -version} of the binary the children run on. */
  static String childJavaVersion() {
    try {
      Process p = new ProcessBuilder(ChildProcess.javaBinary(), "-version")
          .redirectErrorStream(true)
          .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(30, TimeUnit.SECONDS);
      return String.join("; ", out.lines().toList());
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  private static String firstValue(Path file, String key) {
    return read(file)
        .lines()
        .filter(l -> l.startsWith(key))
        .map(l -> l.substring(l.indexOf(':') + 1).strip())
        .findFirst()
        .orElse("unknown");
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "";
    }
  }
}
