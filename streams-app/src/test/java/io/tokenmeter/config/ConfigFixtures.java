package io.tokenmeter.config;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Small helpers shared by the configuration tests. */
final class ConfigFixtures {

  private ConfigFixtures() {}

  static Path writeFile(Path dir, String... lines) {
    try {
      Path file = dir.resolve("tokenmeter.properties");
      Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static TokenmeterConfig fromEnv(Map<String, String> env) {
    return ConfigLoader.create().env(env).load();
  }

  static ConfigException failure(ConfigLoader loader) {
    try {
      TokenmeterConfig config = loader.load();
      return fail("expected a ConfigException, but loaded " + config);
    } catch (ConfigException e) {
      return e;
    }
  }

  static ConfigException failureFromEnv(String name, String value) {
    return failure(ConfigLoader.create().env(Map.of(name, value)));
  }
}
