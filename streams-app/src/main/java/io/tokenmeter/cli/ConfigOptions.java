package io.tokenmeter.cli;

import io.tokenmeter.config.ConfigLoader;
import io.tokenmeter.config.TokenmeterConfig;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * How the long-running commands ({@code run}, {@code router}) find their configuration: a file,
 * then {@code TOKENMETER_*} variables, then these flags.
 */
final class ConfigOptions {

  @Option(names = "--config", paramLabel = "FILE", description = "Configuration file (properties).")
  Path configFile;

  @Option(
      names = {"--bootstrap-server", "--bootstrap-servers"},
      paramLabel = "HOST:PORT",
      description =
          "Kafka bootstrap servers; overrides kafka.bootstrap.servers (default 127.0.0.1:9092).")
  String bootstrapServer;

  /** @throws io.tokenmeter.config.ConfigException naming every bad key and its source */
  TokenmeterConfig load() {
    return ConfigLoader.create()
        .file(Optional.ofNullable(configFile))
        .env(System.getenv())
        .override("kafka.bootstrap.servers", bootstrapServer, "--bootstrap-server")
        .load();
  }
}
