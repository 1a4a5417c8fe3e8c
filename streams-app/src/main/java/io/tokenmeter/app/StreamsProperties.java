package io.tokenmeter.app;

import io.tokenmeter.config.KafkaSettings;
import io.tokenmeter.config.TokenmeterConfig;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/** Kafka Streams properties from the typed configuration; client overrides are applied last. */
public final class StreamsProperties {

  private StreamsProperties() {}

  public static Properties of(TokenmeterConfig config) {
    KafkaSettings kafka = config.kafka();
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, kafka.applicationId());
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, kafka.processingGuarantee().streamsValue());
    p.put(StreamsConfig.STATE_DIR_CONFIG, kafka.stateDir().toAbsolutePath().toString());
    p.put(
        StreamsConfig.COMMIT_INTERVAL_MS_CONFIG,
        Long.toString(kafka.commitInterval().toMillis()));
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, Long.toString(kafka.cacheMaxBytes()));
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.toString(kafka.numStreamThreads()));
    // Changelog and repartition topics: a single-broker dev cluster cannot hold three replicas.
    p.put(
        StreamsConfig.REPLICATION_FACTOR_CONFIG,
        Short.toString(config.topics().replicationFactor()));
    p.put(
        StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG,
        config.topics().deadLetter());
    p.put(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        DeadLetterExceptionHandlers.Deserialization.class.getName());
    p.put(
        StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
        DeadLetterExceptionHandlers.Processing.class.getName());
    p.put(
        StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
        DeadLetterExceptionHandlers.Production.class.getName());
    // Kafka 5.0's default, set now: the same handler would cover global stores, and Streams warns
    // at every start while it is unset.
    p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
    p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
    // Never hold a task back to line up its input partitions by timestamp. Every processor keeps
    // its own event time in its stores, and the repartition topics are written by the tasks
    // themselves: under exactly-once their records become readable only after the next commit, so
    // waiting for them stalled tasks for whole seconds, long enough for the wall clock to close the
    // windows of a backlog. Kafka 4.4 also formats a log message for every empty partition of a
    // task on every record while it waits (PartitionGroup.readyToProcess), about a tenth of the
    // stream thread's time in the benchmark. Override with kafka.client.max.task.idle.ms.
    p.put(
        StreamsConfig.MAX_TASK_IDLE_MS_CONFIG,
        Long.toString(StreamsConfig.MAX_TASK_IDLE_MS_DISABLED));
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    p.putAll(kafka.clientOverrides());
    return p;
  }
}
