package io.tokenmeter.bench.pipeline;

import io.tokenmeter.app.StreamsProperties;
import io.tokenmeter.config.TokenmeterConfig;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * What Kafka Streams itself costs on this machine, with the app's own Streams settings
 * (exactly-once, commit interval, one thread): a topology that reads the calls and, per record,
 * does nothing ({@code read}), only decodes the Avro event ({@code decode}), or decodes it and
 * writes as many output records as the contract makes the app write ({@code emit}: every
 * {@code tokenmeter.bench.floor.emit.every}-th event's bytes, default 7, since the bench's data
 * has one final rollup per 6.9 events, to {@value #OUTPUT}). It keeps no state, so it is the
 * ceiling any topology on Kafka Streams can reach here; {@code emit} is the ceiling for one that
 * also delivers the rollups the contract asks for, under the same transactions. Chosen with
 * {@code -Dtokenmeter.bench.floor=read|decode|emit} in {@code BENCH_CHILD_JAVA_OPTS}; the gate then
 * fails, since nothing is rolled up: only the rate and CPU are meant to be read.
 */
final class StreamsFloor {

  static final String OUTPUT = "bench.floor.output";

  private StreamsFloor() {}

  static KafkaStreams start(
      TokenmeterConfig config, String mode, KafkaStreams.StateListener listener) {
    boolean decode = switch (mode) {
      case "read" -> false;
      case "decode", "emit" -> true;
      default ->
        throw new IllegalArgumentException(
            "tokenmeter.bench.floor must be read, decode or emit, not " + mode);
    };
    int emitEvery =
        "emit".equals(mode) ? Integer.getInteger("tokenmeter.bench.floor.emit.every", 7) : 0;
    if (emitEvery > 0) {
      createOutput(config);
    }
    AvroDeserializer<LlmCallEvent> events =
        new AvroDeserializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry());
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(config.topics().calls(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .process(() -> new Processor<byte[], byte[], byte[], byte[]>() {
          private ProcessorContext<byte[], byte[]> context;
          private long tokens;
          private long seen;

          @Override
          public void init(ProcessorContext<byte[], byte[]> context) {
            this.context = context;
          }

          @Override
          public void process(Record<byte[], byte[]> record) {
            if (decode) {
              Long in =
                  events.deserialize(config.topics().calls(), record.value()).getInputTokens();
              tokens += in == null ? 0 : in; // used, so the decode is not optimised away
            }
            if (emitEvery > 0 && ++seen % emitEvery == 0) {
              context.forward(record);
            }
          }

          @Override
          public void close() {
            System.out.println("floor: input tokens " + tokens);
          }
        })
        .to(OUTPUT, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
    KafkaStreams streams = new KafkaStreams(builder.build(), StreamsProperties.of(config));
    streams.setStateListener(listener);
    streams.start();
    return streams;
  }

  /** As many partitions as the calls, so the output is spread as the rollups topic's is. */
  private static void createOutput(TokenmeterConfig config) {
    try (Admin admin = Admin.create(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers()))) {
      String calls = config.topics().calls();
      int partitions = admin
          .describeTopics(List.of(calls))
          .allTopicNames()
          .get()
          .get(calls)
          .partitions()
          .size();
      admin
          .createTopics(List.of(new NewTopic(OUTPUT, partitions, (short) 1)))
          .all()
          .get();
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("could not create " + OUTPUT, e.getCause());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted creating " + OUTPUT, e);
    }
  }
}
