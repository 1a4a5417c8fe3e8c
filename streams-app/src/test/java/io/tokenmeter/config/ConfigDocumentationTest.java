package io.tokenmeter.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sample file and the reference page must not drift from the keys the loader knows. */
class ConfigDocumentationTest {

  private static final String SAMPLE = "/io/tokenmeter/config/tokenmeter.properties";
  /** Surefire runs in the module directory. */
  private static final Path REFERENCE = Path.of("..", "docs", "configuration.md");

  @TempDir
  Path dir;

  @Test
  void sampleFileLoadsToTheDefaults() throws IOException {
    Path copy = dir.resolve("tokenmeter.properties");
    Files.writeString(copy, sample());

    assertThat(ConfigLoader.create().file(copy).load()).isEqualTo(TokenmeterConfig.defaults());
  }

  @Test
  void sampleFileShowsEveryKey() throws IOException {
    String sample = sample();

    for (ConfigKeys.Key key : ConfigKeys.all()) {
      assertThat(sample)
          .as("sample file")
          .containsPattern("(?m)^#?" + key.name().replace(".", "\\.") + "=");
    }
  }

  @Test
  void referencePageHasTheTableGeneratedFromTheDeclaredKeys() throws IOException {
    String reference = Files.readString(REFERENCE, StandardCharsets.UTF_8);

    assertThat(reference)
        .as(
            "docs/configuration.md must contain ConfigKeys.markdownTable(); paste the expected table there")
        .contains(ConfigKeys.markdownTable());
  }

  private static String sample() throws IOException {
    try (InputStream in = ConfigDocumentationTest.class.getResourceAsStream(SAMPLE)) {
      assertThat(in).as(SAMPLE).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
