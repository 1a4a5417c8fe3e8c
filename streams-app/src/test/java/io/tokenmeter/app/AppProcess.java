package io.tokenmeter.app;

import static org.awaitility.Awaitility.await;

import io.tokenmeter.cli.TokenmeterCli;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * {@code tokenmeter run --config FILE} in a child JVM, as an operator runs it: so a test can crash
 * it for real (SIGKILL: no shutdown hook, no commit, no flush) or stop it the way a service
 * manager does (SIGTERM: the CLI's hook closes Kafka Streams). Output goes to a log file that
 * survives restarts; failures quote its tail.
 */
final class AppProcess implements AutoCloseable {

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
  private static final String RUNNING = "-> RUNNING";

  private final String name;
  private final Path configFile;
  private final Path log;
  private final Launch launch;
  private Process process;
  private int runningSeenBefore;

  /**
   * How the child is started: the CLI command ({@code run}, {@code page}) and extra JVM options,
   * which come after the defaults and so win (a test that needs DEBUG logs passes
   * {@code -Dorg.slf4j.simpleLogger.defaultLogLevel=debug}).
   */
  record Launch(String command, List<String> jvmOptions) {
    static final Launch RUN = new Launch("run", List.of());

    Launch {
      jvmOptions = List.copyOf(jvmOptions);
    }

    Launch withJvmOptions(String... options) {
      return new Launch(command, List.of(options));
    }
  }

  private AppProcess(String name, Path configFile, Path log, Launch launch) {
    this.name = name;
    this.configFile = configFile;
    this.log = log;
    this.launch = launch;
  }

  /**
   * Writes {@code config} to {@code dir/NAME.properties} and starts the app on it. Call
   * {@link #awaitRunning()} to wait until Kafka Streams is processing.
   */
  static AppProcess start(String name, Path dir, Map<String, String> config) {
    return start(name, dir, config, Launch.RUN);
  }

  /** As {@link #start(String, Path, Map)}, with another command or extra JVM options. */
  static AppProcess start(String name, Path dir, Map<String, String> config, Launch launch) {
    try {
      Path file = dir.resolve(name + ".properties");
      Properties p = new Properties();
      p.putAll(config);
      try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
        p.store(w, "written by " + AppProcess.class.getSimpleName());
      }
      AppProcess app = new AppProcess(name, file, dir.resolve(name + ".log"), launch);
      app.startProcess();
      return app;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts the child again on the same configuration, after {@link #kill()} or {@link #stop()}. */
  synchronized AppProcess startProcess() {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException(name + " is already running");
    }
    try {
      runningSeenBefore = countRunningLines();
      Files.writeString(
          log,
          "---- " + Instant.now() + " starting " + name + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      List<String> command = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx384m",
          "-Xms64m",
          "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1",
          "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
          "-Dorg.slf4j.simpleLogger.showDateTime=true"));
      command.addAll(launch.jvmOptions());
      command.addAll(List.of(
          "-cp",
          classpath(),
          ChildAppMain.class.getName(),
          launch.command(),
          "--config",
          configFile.toString()));
      ProcessBuilder pb = new ProcessBuilder(command);
      pb.redirectErrorStream(true);
      pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      process = pb.start();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  /**
   * Waits until this start of the child reports Kafka Streams RUNNING: the line the CLI's state
   * listener prints, the same state {@code KafkaStreams.state()} gives in process.
   */
  AppProcess awaitRunning() {
    await(name + " RUNNING")
        .atMost(READY_TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> {
          if (!isAlive()) {
            throw new IllegalStateException(name + " exited while starting:\n" + logTail());
          }
          return countRunningLines() > runningSeenBefore;
        });
    return this;
  }

  synchronized boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** SIGKILL: a crash. Returns once the process is gone. */
  synchronized void kill() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    waitFor(Duration.ofSeconds(30));
    process = null;
  }

  /** SIGTERM: the CLI closes Kafka Streams cleanly. Returns the exit code. */
  synchronized int stop() {
    if (process == null) {
      return 0;
    }
    // The handle only signals: Process.destroy() also closes the child's stdin, which its
    // ExitWithParent guard takes for a dead parent and answers with exit(3) mid-shutdown.
    process.toHandle().destroy();
    if (!waitFor(Duration.ofSeconds(60))) {
      throw new IllegalStateException(name + " did not stop within 60s of SIGTERM:\n" + logTail());
    }
    int exit = process.exitValue();
    process = null;
    return exit;
  }

  Path log() {
    return log;
  }

  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(no log at " + log + ")";
    }
  }

  @Override
  public synchronized void close() {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!waitFor(Duration.ofSeconds(30))) {
        process.destroyForcibly();
      }
    }
    process = null;
  }

  private boolean waitFor(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      return false;
    }
  }

  private int countRunningLines() throws IOException {
    if (!Files.exists(log)) {
      return 0;
    }
    try (var lines = Files.lines(log, StandardCharsets.ISO_8859_1)) {
      return (int) lines.filter(l -> l.contains(RUNNING)).count();
    }
  }

  /**
   * The app's runtime classpath as Maven wrote it at package time ({@code target/cli.classpath}, the
   * one {@code bin/tokenmeter} uses), plus the module's classes and this test's classes (for
   * {@link ChildAppMain}). Read from files rather than {@code java.class.path}, which under
   * Surefire/Failsafe may be a manifest-only booter jar.
   */
  static String classpath() {
    Path classes = codeSource(TokenmeterCli.class);
    Path testClasses = codeSource(ChildAppMain.class);
    Path target = classes.getParent();
    Path cliClasspath = target.resolve("cli.classpath");
    if (!Files.exists(cliClasspath)) {
      throw new IllegalStateException(
          cliClasspath + " missing: run through Maven's package phase (mvn verify) first");
    }
    try {
      String deps = Files.readString(cliClasspath, StandardCharsets.UTF_8).trim();
      return classes + File.pathSeparator + testClasses + File.pathSeparator + deps;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path codeSource(Class<?> c) {
    try {
      return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
