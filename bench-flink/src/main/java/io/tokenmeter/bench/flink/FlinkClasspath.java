package io.tokenmeter.bench.flink;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;

/**
 * The classpath of a JVM that runs {@link FlinkRollupJob}: this module's own jar (or classes
 * directory) and the runtime dependencies Maven wrote to {@code flink.classpath} at build time.
 *
 * <p>For the benchmark harness, which depends on this module with every transitive dependency
 * excluded and starts {@code java -Xmx1g -cp <javaClasspath()> io.tokenmeter.bench.flink.FlinkRollupJob
 * ...}. Flink's Kafka connector needs its own kafka-clients, so the job never shares a classpath
 * with the project. Uses only the JDK: the caller has none of this module's dependencies.
 */
public final class FlinkClasspath {

  static final String RESOURCE = "/io/tokenmeter/bench/flink/flink.classpath";

  /** The main class to start with {@link #javaClasspath()}. */
  public static final String MAIN_CLASS = "io.tokenmeter.bench.flink.FlinkRollupJob";

  private FlinkClasspath() {}

  /** This module's code location, then the build-time runtime classpath, joined with the path separator. */
  public static String javaClasspath() {
    String self;
    try {
      self = Paths.get(FlinkRollupJob.class
              .getProtectionDomain()
              .getCodeSource()
              .getLocation()
              .toURI())
          .toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot locate the tokenmeter-bench-flink code", e);
    }
    try (InputStream in = FlinkClasspath.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            RESOURCE + " missing: build the bench-flink module with Maven first");
      }
      String deps = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
      return deps.isEmpty() ? self : self + File.pathSeparator + deps;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }
}
