package io.tokenmeter.cli;

import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** Where the topics live and how their records are encoded; shared by produce and consume. */
final class ClusterOptions {

  // Kafka's own tools say --bootstrap-server, our config key says servers: every command takes
  // both.
  @Option(
      names = {"--bootstrap-server", "--bootstrap-servers"},
      required = true,
      paramLabel = "HOST:PORT[,...]",
      description = "Kafka cluster to connect to.")
  String bootstrapServers;

  @Option(
      names = "--schema-registry",
      paramLabel = "URL",
      description = {
        "Confluent-compatible schema registry (Confluent wire format).",
        "Without it: Avro single-object encoding against the bundled schemas."
      })
  String schemaRegistry;

  // Kafka's own tools take client security settings the same way (--command-config).
  @Option(
      names = "--command-config",
      paramLabel = "FILE",
      description = {
        "Kafka client properties (security.protocol, sasl.*, ssl.*, ...) for a secured cluster,",
        "as for Kafka's own tools. Values are never printed."
      })
  Path commandConfig;

  /**
   * {@code ours} on top of the {@code --command-config} file: the file brings what the cluster
   * needs (security), while the settings the command relies on (isolation, idempotence, no topic
   * creation) and {@code --bootstrap-server} stay as the command sets them.
   */
  Map<String, Object> clientConfig(CommandSpec spec, Map<String, Object> ours) {
    Map<String, Object> config = new HashMap<>();
    if (commandConfig != null) {
      Properties file = new Properties();
      try (Reader in = Files.newBufferedReader(commandConfig, StandardCharsets.UTF_8)) {
        file.load(in);
      } catch (IOException | IllegalArgumentException e) {
        // The reason only: a line of the file may hold a password.
        throw new ParameterException(
            spec.commandLine(),
            "--command-config: cannot read " + commandConfig + " ("
                + e.getClass().getSimpleName() + ")");
      }
      file.stringPropertyNames().forEach(k -> config.put(k, file.getProperty(k)));
    }
    config.putAll(ours);
    return config;
  }

  /** The serde configuration; a bad registry URL fails naming the option. */
  AvroSerdeConfig serdeConfig(CommandSpec spec) {
    if (schemaRegistry == null) {
      return AvroSerdeConfig.withoutRegistry();
    }
    try {
      return AvroSerdeConfig.withRegistry(schemaRegistry.trim());
    } catch (ConfigException e) {
      throw new ParameterException(
          spec.commandLine(), "--schema-registry: '" + schemaRegistry + "' " + reasonOf(e));
    }
  }

  /** Blank bootstrap servers would only fail later, inside the Kafka client, with its own words. */
  void validate(CommandSpec spec) {
    if (bootstrapServers.isBlank()) {
      throw new ParameterException(spec.commandLine(), "--bootstrap-server must not be empty");
    }
  }

  private static String reasonOf(ConfigException e) {
    // ConfigException reads "Invalid value X for configuration K: reason"; the reason is what
    // helps.
    String message = e.getMessage();
    int colon = message.lastIndexOf(": ");
    return colon < 0 ? message : message.substring(colon + 2);
  }
}
