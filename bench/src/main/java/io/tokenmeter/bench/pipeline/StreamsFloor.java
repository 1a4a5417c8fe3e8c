package io.tokenmeter.bench.pipeline;

import io.tokenmeter.app.StreamsProperties;
import io.tokenmeter.config.TokenmeterConfig;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;

/**
 * What Kafka Streams itself costs on this machine, with the app's own Streams settings
 * (exactly-once, commit interval, one thread): a topology that reads the calls and, per record,
 * does nothing ({@code read}) or only decodes the Avro event ({@code decode}). It writes no output
 * and keeps no state, so it is the ceiling any topology on Kafka Streams can reach here. Chosen
 * with {@code -Dtokenmeter.bench.floor=read|decode} in {@code BENCH_CHILD_JAVA_OPTS}; the gate then
 * fails, since nothing is rolled up: only the rate and CPU are meant to be read.
 */
final class StreamsFloor {

  private StreamsFloor() {}

  static KafkaStreams start(TokenmeterConfig config, String mode, KafkaStreams.StateListener listener) {
    boolean decode = switch (mode) {
      case "read" -> false;
      case "decode" -> true;
      default -> throw new IllegalArgumentException("tokenmeter.bench.floor must be read or decode, not " + mode);
    };
    AvroDeserializer<LlmCallEvent> events = new AvroDeserializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry());
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(config.topics().calls(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .process(() -> new Processor<byte[], byte[], Void, Void>() {
          private long tokens;

          @Override
          public void process(Record<byte[], byte[]> record) {
            if (decode) {
              Long in = events.deserialize(config.topics().calls(), record.value()).getInputTokens();
              tokens += in == null ? 0 : in; // used, so the decode is not optimised away
            }
          }

          @Override
          public void close() {
            System.out.println("floor: input tokens " + tokens);
          }
        });
    KafkaStreams streams = new KafkaStreams(builder.build(), StreamsProperties.of(config));
    streams.setStateListener(listener);
    streams.start();
    return streams;
  }
}
