package io.tokenmeter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenmeter.jsonl.JsonRecordWriter;
import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Follows one of our topics, filtered, as a table for people or JSON lines for scripts. */
@Command(
    name = "tail",
    mixinStandardHelpOptions = true,
    exitCodeOnInvalidInput = ExitCodes.USAGE,
    description = {
      "Follow a Tokenmeter topic straight from Kafka (no running app needed): rollups, alerts, "
          + "call events or dead letters, decoded, filtered with --where, printed as a table that "
          + "fits the terminal or as JSON lines. Runs until Ctrl-C, --max or --timeout.",
      "TOPIC is a topic name (llm.rollups.1m) or a record type (rollups, alerts, calls, "
          + "dead-letters) for its default topic. A record that cannot be decoded is reported on "
          + "stderr and skipped. Reads without a consumer group."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:stopped by --max or --timeout (Ctrl-C ends it with the JVM's 130)",
      "1:fatal: Kafka unreachable, topic missing",
      "2:some records could not be decoded (reported on stderr)",
      "64:invalid options, such as an unknown --where field"
    },
    footer = {
      "",
      "Examples:",
      "  # rollups as they are finalised, one line per minute, model and org",
      "  tokenmeter tail rollups --bootstrap-server 127.0.0.1:9092",
      "  # one org's gpt-4o rollups since the start of the topic",
      "  tokenmeter tail llm.rollups.1m --bootstrap-server 127.0.0.1:9092 \\",
      "    --where model=gpt-4o,org_id=org-1 --from-beginning",
      "  # critical alerts as JSON lines, for jq",
      "  tokenmeter tail alerts --bootstrap-server 127.0.0.1:9092 \\",
      "    --where severity=critical --format json",
      "  # failed calls of one service; stop after 20",
      "  tokenmeter tail calls --bootstrap-server 127.0.0.1:9092 \\",
      "    --where service=checkout --where error_type=rate_limit --max 20",
      "",
      "--where fields are the Avro field names of the record type (the error lists",
      "them); the columns shown per type: docs/cli.md"
    })
final class TailCommand implements Callable<Integer> {

  private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(15);
  /** "Follow until stopped": long enough to be forever, short enough for the consumer's millis. */
  private static final Duration FOREVER = Duration.ofDays(36_500);

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> DEAD_LETTER_FIELDS =
      List.of("topic", "partition", "offset", "timestamp", "key");

  @Spec
  CommandSpec spec;

  @Mixin
  ClusterOptions cluster;

  @Mixin
  OutputOptions output;

  @Parameters(
      index = "0",
      paramLabel = "TOPIC",
      description = "Topic name, or one of rollups, alerts, calls, dead-letters.")
  String topic;

  @Option(
      names = "--type",
      paramLabel = "calls|rollups|alerts|dead-letters",
      converter = RecordType.Converter.class,
      description =
          "Record type of the topic; needed only for a topic with another name than the defaults.")
  RecordType type;

  @Option(
      names = "--where",
      paramLabel = "FIELD=VALUE[,...]",
      description = "Only records whose field has exactly this value (all must match). Repeatable.")
  List<String> where;

  @Option(
      names = "--from-beginning",
      description =
          "Start at the earliest record of each partition (default: only records that arrive from now).")
  boolean fromBeginning;

  @Option(names = "--max", paramLabel = "N", description = "Stop after printing N records.")
  Long max;

  @Option(
      names = "--timeout",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description =
          "Stop after this long without a new record, such as 30s (default: follow until Ctrl-C).")
  Duration timeout;

  @Override
  public Integer call() {
    cluster.validate(spec);
    RecordType recordType = recordType();
    String topicName = topicName(recordType);
    if (timeout != null && (timeout.isZero() || timeout.isNegative())) {
      throw new ParameterException(
          spec.commandLine(), "--timeout must be positive, was " + timeout);
    }
    if (max != null && max < 1) {
      throw new ParameterException(spec.commandLine(), "--max must be at least 1, was " + max);
    }
    Map<String, String> filters = WhereFilter.parse(where, filterFields(recordType), spec);
    int width = output.width(spec);
    AvroSerdeConfig serde = cluster.serdeConfig(spec);
    Function<ConsumerRecord<byte[], byte[]>, JsonNode> decode = decoder(recordType, serde);

    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    TailView view = TailView.of(recordType);
    TablePrinter.Streaming table =
        output.json() ? null : new TablePrinter(view.columns(), width).streaming(out);
    long[] printed = {0};
    long[] skipped = {0};
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
        consumerConfig(), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> infos = consumer.partitionsFor(topicName, KAFKA_TIMEOUT);
      if (infos == null || infos.isEmpty()) {
        err.println("error: topic " + topicName + " does not exist at " + cluster.bootstrapServers);
        err.flush();
        return ExitCodes.FATAL;
      }
      List<TopicPartition> partitions =
          infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(partitions);
      if (fromBeginning) {
        consumer.seekToBeginning(partitions);
      } else {
        consumer.seekToEnd(partitions);
      }
      long limit = max == null ? Long.MAX_VALUE : max;
      new IdlePoll(consumer, timeout == null ? FOREVER : timeout, Long.MAX_VALUE)
          .forEach(record -> {
            JsonNode decoded;
            try {
              decoded = record.value() == null ? null : decode.apply(record);
            } catch (RuntimeException e) {
              err.println(record.topic() + "/" + record.partition() + "/" + record.offset()
                  + ": cannot decode: " + e.getMessage());
              err.flush();
              skipped[0]++;
              return true;
            }
            if (decoded == null || !matches(decoded, filters)) {
              return true;
            }
            if (table == null) {
              out.println(decoded.toString());
              out.flush();
            } else {
              table.row(view.row(decoded));
            }
            printed[0]++;
            // Output gone (piped into head): nobody is reading, so stop.
            return printed[0] < limit && !out.checkError();
          });
    } catch (KafkaException e) {
      err.println("error: cannot read " + topicName + " at " + cluster.bootstrapServers + ": "
          + e.getMessage());
      err.flush();
      return ExitCodes.FATAL;
    }
    err.println("printed " + printed[0] + ", skipped " + skipped[0]);
    err.flush();
    return skipped[0] > 0 ? ExitCodes.SOME_SKIPPED : ExitCodes.OK;
  }

  /** Equality on the field's JSON text: "gpt-4o", "503", "true", "null" for an absent value. */
  static boolean matches(JsonNode record, Map<String, String> filters) {
    for (Map.Entry<String, String> f : filters.entrySet()) {
      JsonNode value = record.get(f.getKey());
      String text = value == null || value.isNull() ? "null" : value.asText();
      if (!text.equals(f.getValue())) {
        return false;
      }
    }
    return true;
  }

  /**
   * The fields --where can name: the record type's top-level fields that hold one value; maps
   * and nested records (scope, sdk, rate_limit) have no single value to compare.
   */
  static Set<String> filterFields(RecordType type) {
    if (type.recordClass == null) {
      return new LinkedHashSet<>(DEAD_LETTER_FIELDS);
    }
    Set<String> fields = new LinkedHashSet<>();
    Schema schema = SpecificData.get().getSchema(type.recordClass);
    for (Schema.Field field : schema.getFields()) {
      Schema s = field.schema();
      if (s.isUnion()) {
        s = s.getTypes().stream()
            .filter(t -> t.getType() != Schema.Type.NULL)
            .findFirst()
            .orElse(s);
      }
      switch (s.getType()) {
        case RECORD:
        case MAP:
        case ARRAY:
        case BYTES:
          break;
        default:
          fields.add(field.name());
      }
    }
    return fields;
  }

  private static Function<ConsumerRecord<byte[], byte[]>, JsonNode> decoder(
      RecordType type, AvroSerdeConfig serde) {
    if (type.recordClass == null) {
      return r -> parse(RecordPrinter.deadLetterJson(r));
    }
    AvroDeserializer<? extends SpecificRecord> values =
        new AvroDeserializer<>(type.recordClass, serde);
    return r ->
        parse(JsonRecordWriter.write(values.deserialize(r.topic(), r.headers(), r.value())));
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private RecordType recordType() {
    if (topic.isBlank()) {
      throw new ParameterException(spec.commandLine(), "TOPIC must not be empty");
    }
    if (type != null) {
      return type;
    }
    return RecordType.forTopic(topic)
        .or(() -> java.util.Arrays.stream(RecordType.values())
            .filter(t -> t.optionName.equals(topic))
            .findFirst())
        .orElseThrow(() -> new ParameterException(
            spec.commandLine(),
            "--type is needed: cannot tell the record type from the topic name '" + topic
                + "'; give --type, one of " + RecordType.optionNames()));
  }

  /** "rollups" means the rollups' default topic, unless --type says TOPIC is a real topic name. */
  private String topicName(RecordType recordType) {
    return type == null && recordType.optionName.equals(topic) ? recordType.defaultTopic : topic;
  }

  private Map<String, Object> consumerConfig() {
    // As consume: assigned, not subscribed, so no group's offsets are touched.
    return cluster.clientConfig(
        spec,
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            cluster.bootstrapServers,
            ConsumerConfig.CLIENT_ID_CONFIG,
            "tokenmeter-tail",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            false,
            ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG,
            false,
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            "read_committed",
            ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
            (int) KAFKA_TIMEOUT.toMillis()));
  }
}
