package io.tokenmeter.app;

import io.tokenmeter.rollup.DeadLetterHeaders;
import io.tokenmeter.rollup.DeadLetterReason;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams' exception handlers, set so that nothing is lost in silence: a record Streams
 * itself cannot read, process or write goes to the dead-letter topic ({@code
 * errors.dead.letter.queue.topic.name}) as its original source bytes, with the same {@code
 * tokenmeter.dlq.*} headers the topology writes, and is logged. The topology's own processors
 * already dead-letter what they reject, so these are the safety net for the unexpected.
 */
public final class DeadLetterExceptionHandlers {

  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterExceptionHandlers.class);

  private DeadLetterExceptionHandlers() {}

  /** A record of an input or repartition topic that does not deserialize. */
  public static final class Deserialization implements DeserializationExceptionHandler {
    private String topic;

    @Override
    public void configure(Map<String, ?> configs) {
      topic = deadLetterTopic(configs);
    }

    @Override
    public Response handleError(
        ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception e) {
      LOG.warn(
          "dead-lettering an undeserializable record from {}-{}@{}: {}",
          context.topic(),
          context.partition(),
          context.offset(),
          e.toString());
      return Response.resume(List.of(deadLetter(
          topic,
          context,
          record.key(),
          record.value(),
          record.headers(),
          DeadLetterReason.MALFORMED,
          e)));
    }
  }

  /**
   * An exception a processor threw on a record: dead-lettered with reason {@code error}. One thrown
   * from a punctuation has no record to keep, so the thread fails and is replaced, and the
   * punctuation runs again.
   */
  public static final class Processing implements ProcessingExceptionHandler {
    private String topic;

    @Override
    public void configure(Map<String, ?> configs) {
      topic = deadLetterTopic(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception e) {
      if (context.sourceRawValue() == null && context.sourceRawKey() == null) {
        LOG.error(
            "processing failed in {} with no source record to dead-letter; failing the thread",
            context.processorNodeId(),
            e);
        return Response.fail();
      }
      LOG.error(
          "dead-lettering a record from {}-{}@{} that failed in {}",
          context.topic(),
          context.partition(),
          context.offset(),
          context.processorNodeId(),
          e);
      return Response.resume(List.of(deadLetter(
          topic,
          context,
          context.sourceRawKey(),
          context.sourceRawValue(),
          context.headers(),
          DeadLetterReason.ERROR,
          e)));
    }
  }

  /**
   * An output that cannot be serialized or is too large for the broker is dead-lettered as its
   * source record; any other send failure fails the thread, so that exactly-once retries it.
   */
  public static final class Production implements ProductionExceptionHandler {
    private String topic;

    @Override
    public void configure(Map<String, ?> configs) {
      topic = deadLetterTopic(configs);
    }

    @Override
    public Response handleError(
        ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception e) {
      if (e instanceof RecordTooLargeException && !topic.equals(record.topic())) {
        LOG.error("dead-lettering the source of a record too large for {}", record.topic(), e);
        return Response.resume(List.of(deadLetter(
            topic,
            context,
            context.sourceRawKey(),
            context.sourceRawValue(),
            context.headers(),
            DeadLetterReason.ERROR,
            e)));
      }
      LOG.error("cannot write to {}; failing the thread", record.topic(), e);
      return Response.fail();
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Response handleSerializationError(
        ErrorHandlerContext context,
        ProducerRecord record,
        Exception e,
        SerializationExceptionOrigin origin) {
      LOG.error(
          "dead-lettering the source of a record that does not serialize for {}",
          record.topic(),
          e);
      return Response.resume(List.of(deadLetter(
          topic,
          context,
          context.sourceRawKey(),
          context.sourceRawValue(),
          context.headers(),
          DeadLetterReason.ERROR,
          e)));
    }
  }

  private static String deadLetterTopic(Map<String, ?> configs) {
    Object t = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
    if (t == null || t.toString().isBlank()) {
      throw new IllegalStateException(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG
          + " must name the dead-letter topic");
    }
    return t.toString();
  }

  private static ProducerRecord<byte[], byte[]> deadLetter(
      String topic,
      ErrorHandlerContext context,
      byte[] key,
      byte[] value,
      Headers headers,
      DeadLetterReason reason,
      Exception e) {
    Headers h = DeadLetterHeaders.of(
        headers,
        reason,
        DeadLetterHeaders.describe(e),
        new DeadLetterHeaders.Origin(context.topic(), context.partition(), context.offset()),
        System.currentTimeMillis());
    return new ProducerRecord<>(topic, null, key, value, h);
  }
}
