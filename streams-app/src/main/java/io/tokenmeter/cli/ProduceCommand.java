package io.tokenmeter.cli;

import io.tokenmeter.jsonl.InvalidRecordException;
import io.tokenmeter.jsonl.JsonRecordReader;
import io.tokenmeter.schemas.CallEventKeys;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.schemas.serde.AvroSerializer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Sends call events written as JSON lines to a topic, keyed as the producer SDK keys them. */
@Command(
    name = "produce",
    mixinStandardHelpOptions = true,
    exitCodeOnInvalidInput = ExitCodes.USAGE,
    description = {
      "Read LlmCallEvent records as JSON lines (standard input or --input) and send them to a "
          + "topic, keyed as the producer SDK keys them.",
      "One event per line; the keys are the Avro field names (event_id, timestamp, sdk, ...), "
          + "timestamps are epoch millis, nullable fields may be omitted.",
      "A bad line is reported on stderr with its line number and skipped; the rest are still "
          + "sent. Ends with 'sent N, skipped M' on stderr."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:every line was sent",
      "1:fatal: Kafka unreachable, topic missing, a record refused by the broker",
      "2:some lines were skipped (reported on stderr); the others were sent",
      "64:invalid options"
    },
    footer = {
      "",
      "Examples:",
      "  tokenmeter produce --bootstrap-server 127.0.0.1:9092 --topic llm.calls \\",
      "    < events.jsonl",
      "  tokenmeter consume --bootstrap-server old:9092 --topic llm.calls \\",
      "    --from-beginning | tokenmeter produce --bootstrap-server new:9092 --topic llm.calls",
      "  tokenmeter produce --bootstrap-server kafka:9092 --topic llm.calls \\",
      "    --schema-registry http://registry:8080/apis/ccompat/v7 --input events.jsonl",
      "",
      "The JSON shape, with an example line per record type: docs/cli.md"
    })
final class ProduceCommand implements Callable<Integer> {

  /** Long enough for a slow cluster, short enough that a wrong address fails while someone waits. */
  private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(15);

  private static final String BYTE_ORDER_MARK = "\uFEFF";

  @Spec
  CommandSpec spec;

  @Mixin
  ClusterOptions cluster;

  @Option(
      names = "--topic",
      required = true,
      paramLabel = "TOPIC",
      description = "Topic to send to, such as llm.calls.")
  String topic;

  @Option(
      names = "--input",
      paramLabel = "FILE",
      description = "Read the JSON lines from this file instead of standard input.")
  Path input;

  @Override
  public Integer call() {
    cluster.validate(spec);
    if (topic.isBlank()) {
      throw new ParameterException(spec.commandLine(), "--topic must not be empty");
    }
    AvroSerdeConfig serde = cluster.serdeConfig(spec);
    PrintWriter err = spec.commandLine().getErr();
    SendTally tally = new SendTally();
    try (BufferedReader lines = open()) {
      KafkaProducer<String, LlmCallEvent> producer = new KafkaProducer<>(
          producerConfig(),
          new StringSerializer(),
          new AvroSerializer<>(LlmCallEvent.class, serde));
      try {
        // Fails within KAFKA_TIMEOUT when Kafka or the topic is not there, before any input is
        // read.
        producer.partitionsFor(topic);
        sendAll(lines, producer, tally, err);
        producer.flush();
      } finally {
        producer.close(KAFKA_TIMEOUT);
      }
    } catch (KafkaException e) {
      err.println("error: cannot send to " + topic + " at " + cluster.bootstrapServers + ": "
          + e.getMessage());
      err.println(tally.summary());
      return ExitCodes.FATAL;
    } catch (IOException e) {
      err.println("error: cannot read the input: " + e.getMessage());
      err.println(tally.summary());
      return ExitCodes.FATAL;
    } finally {
      err.flush();
    }
    tally.failures().forEach(err::println);
    err.println(tally.summary());
    err.flush();
    if (!tally.failures().isEmpty()) {
      return ExitCodes.FATAL;
    }
    return tally.skippedCount() > 0 ? ExitCodes.SOME_SKIPPED : ExitCodes.OK;
  }

  private void sendAll(
      BufferedReader lines,
      KafkaProducer<String, LlmCallEvent> producer,
      SendTally tally,
      PrintWriter err)
      throws IOException {
    JsonRecordReader<LlmCallEvent> reader = JsonRecordReader.forType(LlmCallEvent.class);
    long lineNumber = 0;
    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
      lineNumber++;
      if (lineNumber == 1 && line.startsWith(BYTE_ORDER_MARK)) {
        // Editors on Windows start UTF-8 files with one; it is not part of the first event.
        line = line.substring(1);
      }
      if (line.isBlank()) {
        continue;
      }
      ParsedLine parsed = ParsedLine.of(reader, line);
      if (parsed.event() == null) {
        err.println("line " + lineNumber + ": " + parsed.problem());
        tally.skipped();
        continue;
      }
      LlmCallEvent event = parsed.event();
      // The record timestamp is the event time, as the SDK sets it: the streams app windows by it.
      producer.send(
          new ProducerRecord<>(
              topic, null, event.getTimestamp().toEpochMilli(), CallEventKeys.of(event), event),
          tally.callbackFor(lineNumber));
      if (tally.hasFailures()) {
        // Whatever refused this record will refuse the next ones too, each after a timeout.
        err.println("stopped after line " + lineNumber
            + ": Kafka refused a record; the lines after it were not read");
        return;
      }
    }
  }

  /** An input line: the event on it, or why there is none. */
  private record ParsedLine(LlmCallEvent event, String problem) {

    static ParsedLine of(JsonRecordReader<LlmCallEvent> reader, String line) {
      try {
        LlmCallEvent event = reader.read(line);
        return PlaintextKeyGuard.problem(event)
            .map(problem -> new ParsedLine(null, problem))
            .orElseGet(() -> new ParsedLine(event, null));
      } catch (InvalidRecordException e) {
        return new ParsedLine(null, e.getMessage());
      }
    }
  }

  private BufferedReader open() {
    if (input == null) {
      return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    }
    try {
      // Lenient decoding, as for standard input: a stray byte spoils one line, not the whole run.
      return new BufferedReader(
          new InputStreamReader(Files.newInputStream(input), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new ParameterException(spec.commandLine(), "--input: cannot read " + input + ": " + e);
    }
  }

  private Map<String, Object> producerConfig() {
    int timeout = (int) KAFKA_TIMEOUT.toMillis();
    return cluster.clientConfig(
        spec,
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            cluster.bootstrapServers,
            ProducerConfig.CLIENT_ID_CONFIG,
            "tokenmeter-produce",
            // The SDK's guarantees: no duplicates from retries, nothing acknowledged before it is
            // replicated.
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            true,
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.COMPRESSION_TYPE_CONFIG,
            "lz4",
            ProducerConfig.LINGER_MS_CONFIG,
            20,
            ProducerConfig.MAX_BLOCK_MS_CONFIG,
            timeout,
            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
            timeout,
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
            2 * timeout));
  }
}
