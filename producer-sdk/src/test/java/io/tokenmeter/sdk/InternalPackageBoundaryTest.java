package io.tokenmeter.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code io.tokenmeter.sdk.internal} is not public API (its package-info says so): the main code
 * of every other module of this repository uses the SDK through {@code io.tokenmeter.sdk} only.
 */
class InternalPackageBoundaryTest {

  /** Surefire runs in the module's directory; the other modules are its siblings. */
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  void noOtherModulesMainCodeImportsTheInternalPackage() throws IOException {
    List<Path> sources;
    try (Stream<Path> walk = Files.walk(ROOT)) {
      sources = walk.filter(p -> p.toString().endsWith(".java"))
          .filter(p -> ROOT.relativize(p).toString().contains("/src/main/java/"))
          .filter(p -> !ROOT.relativize(p).startsWith("producer-sdk"))
          .toList();
    }
    List<Path> usingTheSdk = sources.stream()
        .filter(p -> read(p).contains("import io.tokenmeter.sdk."))
        .toList();
    assertThat(usingTheSdk)
        .as("main sources of other modules that use the SDK (so the scan sees them)")
        .isNotEmpty();

    assertThat(usingTheSdk.stream()
            .filter(p -> read(p).contains("io.tokenmeter.sdk.internal"))
            .map(ROOT::relativize))
        .as("main sources outside producer-sdk that reach into io.tokenmeter.sdk.internal")
        .isEmpty();
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
