package io.tokenmeter.bench.pipeline;

import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.testkit.ExitWithParent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Child main of the plain-consumer contender: the same per-minute sums as Tokenmeter, with nothing
 * else (no dedup, no late handling, no state store, no pricing, no alerts, no commits). The ceiling
 * of what decoding and a HashMap cost without a framework. Arguments: result file, bootstrap, topic.
 */
public final class PlainConsumerChild {

  private PlainConsumerChild() {}

  record Key(
      long windowStart,
      String model,
      String org,
      String project,
      String fingerprint,
      String service) {}

  public static void main(String[] args) {
    ExitWithParent.install();
    Path resultFile = Path.of(args[0]);
    String bootstrap = args[1];
    String topic = args[2];
    Map<String, Object> config = Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        bootstrap,
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
        false,
        ConsumerConfig.CLIENT_ID_CONFIG,
        "bench-plain-consumer");
    AvroDeserializer<LlmCallEvent> avro =
        new AvroDeserializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry());
    Map<Key, long[]> sums = new HashMap<>();
    long records = 0;
    long firstMs = 0;
    long cpuAtFirst = 0;
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition()))
          .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (!atEnd(consumer, end)) {
        ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(500));
        if (batch.isEmpty()) {
          continue;
        }
        if (firstMs == 0) {
          firstMs = System.currentTimeMillis();
          cpuAtFirst = Cpu.processNanos();
        }
        for (ConsumerRecord<byte[], byte[]> r : batch) {
          LlmCallEvent e = avro.deserialize(topic, r.value());
          long ts = e.getTimestamp().toEpochMilli();
          Key k = new Key(
              ts - Math.floorMod(ts, 60_000L),
              e.getResponseModel() != null ? e.getResponseModel() : e.getRequestModel(),
              orEmpty(e.getOrgId()),
              orEmpty(e.getProjectId()),
              orEmpty(e.getApiKeyFingerprint()),
              e.getService());
          long[] s = sums.computeIfAbsent(k, x -> new long[8]);
          s[0]++;
          if (e.getErrorType() != null) {
            s[1]++;
          }
          s[2] += orZero(e.getInputTokens());
          s[3] += orZero(e.getOutputTokens());
          s[4] += orZero(e.getCacheReadInputTokens());
          s[5] += orZero(e.getCacheCreationInputTokens());
          s[6] += orZero(e.getReasoningOutputTokens());
          if (e.getInputTokens() == null && e.getOutputTokens() == null) {
            s[7]++;
          }
          records++;
        }
      }
    } catch (RuntimeException e) {
      ResultFile.failed("plain-consumer", e.toString()).write(resultFile);
      System.exit(1);
    }
    long finishedMs = System.currentTimeMillis();
    long cpu = Cpu.processNanos() - cpuAtFirst;
    long[] total = new long[8];
    for (long[] s : sums.values()) {
      for (int i = 0; i < total.length; i++) {
        total[i] += s[i];
      }
    }
    Totals totals =
        new Totals(total[0], total[1], total[2], total[3], total[4], total[5], total[6], total[7]);
    new ResultFile(
            "plain-consumer",
            records,
            firstMs,
            finishedMs,
            cpu,
            sums.size(),
            null,
            totals.toMap(),
            null)
        .write(resultFile);
    System.exit(0);
  }

  private static boolean atEnd(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  private static long orZero(Long v) {
    return v == null ? 0 : v;
  }
}
