package io.tokenmeter.sink;

import io.tokenmeter.testkit.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server from the operating system's binaries ({@code initdb}, {@code
 * pg_ctl}): a fresh cluster in a temporary directory, listening only on 127.0.0.1 on a free port,
 * its Unix socket inside that directory, one database and one password-protected superuser.
 * Stopped and deleted on {@link #close()} and on JVM exit.
 *
 * <p>PostgreSQL refuses to run as root. When this JVM is root (CI, and the machines here), every
 * PostgreSQL command runs as the {@code postgres} user that the Debian package creates, through
 * {@code runuser}, and the directory is handed to that user.
 */
final class PostgresServer implements AutoCloseable {

  static final String DATABASE = "tokenmeter";
  static final String USER = "tokenmeter";
  static final String PASSWORD = "sink-it-password";
  private static final String OS_USER = "postgres";
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(90);

  private final Path dir;
  private final Path bin;
  private final boolean asRoot;
  private final int port;
  private final Thread shutdownHook = new Thread(this::stopQuietly, "postgres-cleanup");
  private boolean running;

  private PostgresServer(Path dir, Path bin, boolean asRoot, int port) {
    this.dir = dir;
    this.bin = bin;
    this.asRoot = asRoot;
    this.port = port;
  }

  /** initdb, start, create the database; returns once it accepts connections. */
  static PostgresServer start() {
    try {
      Path bin = binDir();
      boolean asRoot = "root".equals(System.getProperty("user.name"));
      Path dir = Files.createTempDirectory("tokenmeter-pg-");
      PostgresServer pg = new PostgresServer(dir, bin, asRoot, FreePorts.next());
      Runtime.getRuntime().addShutdownHook(pg.shutdownHook);
      pg.initAndStart();
      return pg;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start PostgreSQL", e);
    }
  }

  /** {@code jdbc:postgresql://127.0.0.1:<port>/tokenmeter}. */
  String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
  }

  Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), USER, PASSWORD);
  }

  /** Runs a SQL script (statements separated by semicolons at line ends, {@code --} comments). */
  void runScript(Path script) throws IOException, SQLException {
    String sql = Files.readString(script, StandardCharsets.UTF_8);
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      // The PostgreSQL driver runs a multi-statement string in one go, as psql -f would.
      s.execute(sql);
    }
  }

  Path logFile() {
    return dir.resolve("postgres.log");
  }

  private void initAndStart() throws IOException {
    Path data = dir.resolve("data");
    Path pwfile = dir.resolve("pwfile");
    Files.writeString(pwfile, PASSWORD + "\n", StandardCharsets.UTF_8);
    if (asRoot) {
      run(List.of("chown", "-R", OS_USER + ":" + OS_USER, dir.toString()), false);
    }
    run(
        List.of(
            bin.resolve("initdb").toString(),
            "-D",
            data.toString(),
            "-U",
            USER,
            "--pwfile=" + pwfile,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync"),
        true);
    String options = "-c listen_addresses=127.0.0.1 -p " + port + " -c unix_socket_directories="
        + dir + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c timezone=UTC";
    run(
        List.of(
            bin.resolve("pg_ctl").toString(),
            "-D",
            data.toString(),
            "-l",
            logFile().toString(),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start"),
        true);
    running = true;
    try (Connection c = DriverManager.getConnection(
            "jdbc:postgresql://127.0.0.1:" + port + "/postgres", USER, PASSWORD);
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + DATABASE);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "PostgreSQL started but refused the database: " + e.getMessage() + "\n" + tail(), e);
    }
  }

  @Override
  public synchronized void close() {
    stopQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException | IllegalArgumentException ignored) {
      // Already shutting down.
    }
  }

  private synchronized void stopQuietly() {
    if (running) {
      try {
        run(
            List.of(
                bin.resolve("pg_ctl").toString(),
                "-D",
                dir.resolve("data").toString(),
                "-m",
                "immediate",
                "-w",
                "-t",
                "30",
                "stop"),
            true);
      } catch (RuntimeException | IOException ignored) {
        // Best effort; the directory goes anyway.
      }
      running = false;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // A temporary directory left behind is not worth failing a test for.
    }
  }

  /** Runs a command (as the postgres user when {@code asPostgres} and this JVM is root); fails with its output. */
  private void run(List<String> command, boolean asPostgres) throws IOException {
    List<String> cmd = new ArrayList<>();
    if (asPostgres && asRoot) {
      cmd.addAll(List.of("runuser", "-u", OS_USER, "--"));
    }
    cmd.addAll(command);
    Path out = Files.createTempFile("tokenmeter-pg-cmd-", ".log");
    try {
      Process p = new ProcessBuilder(cmd)
          .redirectErrorStream(true)
          .redirectOutput(out.toFile())
          .start();
      p.getOutputStream().close();
      if (!p.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(
            String.join(" ", cmd) + " timed out:\n" + Files.readString(out));
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " failed with exit " + p.exitValue()
            + ":\n" + Files.readString(out) + "\n" + tail());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + cmd, e);
    } finally {
      Files.deleteIfExists(out);
    }
  }

  private String tail() {
    try {
      List<String> lines = Files.readAllLines(logFile(), StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no server log)";
    }
  }

  /**
   * The directory with {@code initdb} and {@code pg_ctl}: {@code pg_config --bindir} when it
   * names one (Debian's {@code pg_config} belongs to libpq-dev and may be missing), else the
   * newest {@code /usr/lib/postgresql/<major>/bin}.
   */
  static Path binDir() throws IOException {
    try {
      Process p =
          new ProcessBuilder("pg_config", "--bindir").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (p.waitFor(10, TimeUnit.SECONDS)
          && p.exitValue() == 0
          && Files.isExecutable(Path.of(out, "initdb"))) {
        return Path.of(out);
      }
    } catch (IOException e) {
      // No pg_config on the PATH: look in Debian's place.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Path root = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(root)) {
      try (Stream<Path> versions = Files.list(root)) {
        var found = versions
            .filter(v -> Files.isExecutable(v.resolve("bin").resolve("initdb")))
            .max(Comparator.comparing(v -> versionNumber(v.getFileName().toString())));
        if (found.isPresent()) {
          return found.get().resolve("bin");
        }
      }
    }
    throw new IllegalStateException(
        "no PostgreSQL server binaries (initdb, pg_ctl) found via pg_config --bindir or in"
            + " /usr/lib/postgresql/*/bin; install them: apt-get install postgresql (.ci/run does)");
  }

  private static int versionNumber(String name) {
    try {
      return Integer.parseInt(name.replaceAll("\\..*", ""));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
