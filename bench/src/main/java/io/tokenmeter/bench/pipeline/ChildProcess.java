package io.tokenmeter.bench.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One contender's JVM. Every contender gets the same heap and flags, so none wins on JVM settings,
 * and its own process, so one contender's JIT, GC and leftover threads never slow the next. The
 * child's output goes to a log file in the out dir; its stdin stays open as the lifeline that
 * {@link io.tokenmeter.testkit.ExitWithParent} watches.
 */
final class ChildProcess implements AutoCloseable {

  static final List<String> JVM_FLAGS = List.of(
      "-Xmx1g",
      "-Xms1g",
      "-XX:+UseG1GC",
      "-Djava.awt.headless=true",
      "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");

  private final String name;
  private final Process process;
  private final Path log;

  private ChildProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /**
   * Extra flags for every child, for profiling: {@code BENCH_CHILD_JAVA_OPTS}, split on spaces,
   * with {@code {log}} replaced by the child's log path without its extension, e.g.
   * {@code -XX:StartFlightRecording=filename={log}.jfr,settings=profile}.
   */
  static final String EXTRA_FLAGS_ENV = "BENCH_CHILD_JAVA_OPTS";

  static ChildProcess start(
      String name, String classpath, String mainClass, List<String> args, Path log) {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaBinary());
    cmd.addAll(JVM_FLAGS);
    String extra = System.getenv(EXTRA_FLAGS_ENV);
    if (extra != null && !extra.isBlank()) {
      String base = log.toString().replaceFirst("\\.log$", "");
      for (String flag : extra.trim().split("\\s+")) {
        cmd.add(flag.replace("{log}", base));
      }
    }
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(mainClass);
    cmd.addAll(args);
    try {
      Files.createDirectories(log.getParent());
      Files.writeString(
          log,
          "$ " + String.join(" ", cmd.subList(0, cmd.size() - args.size() - 3)) + " -cp ... "
              + mainClass + " " + String.join(" ", args) + "\n",
          StandardCharsets.UTF_8);
      ProcessBuilder pb = new ProcessBuilder(cmd)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      return new ChildProcess(name, pb.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  static String javaBinary() {
    return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  Path log() {
    return log;
  }

  /** Waits for the child to exit by itself; false on timeout. */
  boolean waitFor(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  int exitValue() {
    return process.exitValue();
  }

  /** The last lines of the child's log, for a failure message. */
  String tail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  /**
   * Waits until the child has written {@code file}, exited, or run out of time. Polls every 50 ms:
   * a file is the contract with the Flink job too, which cannot signal otherwise.
   */
  ResultFile awaitResult(Path file, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(file)) {
        return ResultFile.read(file);
      }
      if (!process.isAlive()) {
        return Files.exists(file)
            ? ResultFile.read(file)
            : ResultFile.failed(
                name, "exited with " + process.exitValue() + " without a result:\n" + tail());
      }
      process.waitFor(50, TimeUnit.MILLISECONDS);
    }
    return ResultFile.failed(name, "timed out after " + timeout.toSeconds() + " s:\n" + tail());
  }

  /** SIGTERM (the app closes cleanly through its shutdown hook), then SIGKILL after 30 s. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + ")";
  }
}
