package io.tokenmeter.cli;

import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Prints the records of one of our topics as JSON lines, in the shape produce reads. */
@Command(
    name = "consume",
    mixinStandardHelpOptions = true,
    exitCodeOnInvalidInput = ExitCodes.USAGE,
    description = {
      "Print the records of a Tokenmeter topic as JSON lines on standard output: the Avro field "
          + "names as keys, timestamps as epoch millis, bytes as base64; the shape produce reads.",
      "A record that cannot be decoded is reported on stderr with its topic/partition/offset and "
          + "skipped. Reads without a consumer group, so no group's offsets are ever committed.",
      "Ends with 'printed N, skipped M' on stderr."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:every record read was printed",
      "1:fatal: Kafka unreachable, topic missing",
      "2:some records could not be decoded (reported on stderr); the others were printed",
      "64:invalid options"
    },
    footer = {
      "",
      "Examples:",
      "  # new alerts as they fire, until 10 s pass without one",
      "  tokenmeter consume --bootstrap-server 127.0.0.1:9092 --topic llm.alerts",
      "  # the first 100 call events",
      "  tokenmeter consume --bootstrap-server 127.0.0.1:9092 --topic llm.calls \\",
      "    --from-beginning --max 100",
      "  # why records were dead-lettered: reason headers and the original bytes (base64)",
      "  tokenmeter consume --bootstrap-server 127.0.0.1:9092 --topic llm.calls.dlq --from-beginning",
      "  # a topic with another name needs --type",
      "  tokenmeter consume --bootstrap-server 127.0.0.1:9092 --topic prod.rollups \\",
      "    --type rollups --from-beginning --timeout 1m > rollups.jsonl",
      "",
      "The JSON shape, with an example line per record type: docs/cli.md"
    })
final class ConsumeCommand implements Callable<Integer> {

  private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(15);

  @Spec
  CommandSpec spec;

  @Mixin
  ClusterOptions cluster;

  @Option(
      names = "--topic",
      required = true,
      paramLabel = "TOPIC",
      description = "Topic to read, such as llm.calls.")
  String topic;

  @Option(
      names = "--type",
      paramLabel = "calls|rollups|alerts|dead-letters",
      converter = RecordType.Converter.class,
      description = {
        "Record type of the topic. Default: from the topic name",
        "(llm.calls, llm.rollups.1m, llm.alerts, llm.calls.dlq); required for any other name."
      })
  RecordType type;

  @Option(
      names = "--from-beginning",
      description =
          "Start at the earliest record of each partition (default: only records that arrive from now).")
  boolean fromBeginning;

  @Option(
      names = "--timeout",
      defaultValue = "10s",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description =
          "Stop after this long without a new record, such as 500ms, 10s, 2m (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(names = "--max", paramLabel = "N", description = "Stop after N records.")
  Long max;

  @Override
  public Integer call() {
    cluster.validate(spec);
    RecordType recordType = recordType();
    if (timeout.isZero() || timeout.isNegative()) {
      throw new ParameterException(
          spec.commandLine(), "--timeout must be positive, was " + timeout);
    }
    if (max != null && max < 1) {
      throw new ParameterException(spec.commandLine(), "--max must be at least 1, was " + max);
    }
    AvroSerdeConfig serde = cluster.serdeConfig(spec);
    PrintWriter err = spec.commandLine().getErr();
    RecordPrinter printer = recordType == RecordType.DEAD_LETTERS
        ? RecordPrinter.deadLetters(spec.commandLine().getOut(), err)
        : new RecordPrinter(
            new AvroDeserializer<>(recordType.recordClass, serde),
            spec.commandLine().getOut(),
            err);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
        consumerConfig(), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = partitionsOf(consumer);
      if (partitions.isEmpty()) {
        err.println("error: topic " + topic + " does not exist at " + cluster.bootstrapServers);
        return ExitCodes.FATAL;
      }
      consumer.assign(partitions);
      if (fromBeginning) {
        consumer.seekToBeginning(partitions);
      } else {
        consumer.seekToEnd(partitions);
      }
      new IdlePoll(consumer, timeout, max == null ? Long.MAX_VALUE : max).forEach(printer::print);
    } catch (KafkaException e) {
      err.println("error: cannot read " + topic + " at " + cluster.bootstrapServers + ": "
          + e.getMessage());
      err.println(printer.summary());
      err.flush();
      return ExitCodes.FATAL;
    }
    err.println(printer.summary());
    err.flush();
    return printer.skipped() > 0 ? ExitCodes.SOME_SKIPPED : ExitCodes.OK;
  }

  private RecordType recordType() {
    if (topic.isBlank()) {
      throw new ParameterException(spec.commandLine(), "--topic must not be empty");
    }
    if (type != null) {
      return type;
    }
    return RecordType.forTopic(topic)
        .orElseThrow(() -> new ParameterException(
            spec.commandLine(),
            "--type is needed: cannot tell the record type from the topic name '" + topic
                + "'; give --type, one of " + RecordType.optionNames()));
  }

  private List<TopicPartition> partitionsOf(KafkaConsumer<byte[], byte[]> consumer) {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, KAFKA_TIMEOUT);
    return infos == null
        ? List.of()
        : infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
  }

  private Map<String, Object> consumerConfig() {
    // No group.id: partitions are assigned, not subscribed, so no group's offsets are touched.
    return cluster.clientConfig(
        spec,
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            cluster.bootstrapServers,
            ConsumerConfig.CLIENT_ID_CONFIG,
            "tokenmeter-consume",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            false,
            // Reading must never create the topic it was asked to read.
            ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG,
            false,
            // The streams app writes with exactly-once; records of aborted transactions are not
            // results.
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            "read_committed",
            ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
            (int) KAFKA_TIMEOUT.toMillis()));
  }
}
