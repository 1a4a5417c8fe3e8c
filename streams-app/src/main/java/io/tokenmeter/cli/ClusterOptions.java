package io.tokenmeter.cli;

import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** Where the topics live and how their records are encoded; shared by produce and consume. */
final class ClusterOptions {

  // Kafka's own tools say --bootstrap-server; demo says --bootstrap-servers. Both spellings work.
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
    // ConfigException reads "Invalid value X for configuration K: reason"; the reason is what helps.
    String message = e.getMessage();
    int colon = message.lastIndexOf(": ");
    return colon < 0 ? message : message.substring(colon + 2);
  }
}
