package io.tokenmeter.cli;

import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.UsageRollup;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** The record types of our topics, by the name the CLI uses and the topic's default name. */
enum RecordType {
  CALLS("calls", "llm.calls", LlmCallEvent.class),
  ROLLUPS("rollups", "llm.rollups.1m", UsageRollup.class),
  ALERTS("alerts", "llm.alerts", Alert.class),
  /** Original bytes and reason headers, not an Avro type: printed undecoded. */
  DEAD_LETTERS("dead-letters", "llm.calls.dlq", null);

  final String optionName;
  final String defaultTopic;
  final Class<? extends SpecificRecord> recordClass;

  RecordType(String optionName, String defaultTopic, Class<? extends SpecificRecord> recordClass) {
    this.optionName = optionName;
    this.defaultTopic = defaultTopic;
    this.recordClass = recordClass;
  }

  /** The type whose default topic name this is; empty for a topic with another name. */
  static Optional<RecordType> forTopic(String topic) {
    return Arrays.stream(values()).filter(t -> t.defaultTopic.equals(topic)).findFirst();
  }

  static String optionNames() {
    return Arrays.stream(values()).map(t -> t.optionName).collect(Collectors.joining(", "));
  }

  /** Reads {@code calls}, {@code rollups}, {@code alerts} or {@code dead-letters}. */
  static final class Converter implements ITypeConverter<RecordType> {
    @Override
    public RecordType convert(String value) {
      return Arrays.stream(values())
          .filter(t -> t.optionName.equalsIgnoreCase(value.trim()))
          .findFirst()
          .orElseThrow(() -> new TypeConversionException(
              "'" + value + "' is not a record type; expected one of " + optionNames()));
    }
  }
}
