package io.tokenmeter.bench.pipeline;

import io.tokenmeter.app.TokenmeterApp;
import io.tokenmeter.config.ConfigLoader;
import io.tokenmeter.config.TokenmeterConfig;
import io.tokenmeter.cost.Pricing;
import io.tokenmeter.cost.TablePricing;
import io.tokenmeter.testkit.ExitWithParent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Child main of the tokenmeter contenders: the real app, started as {@code tokenmeter run} starts
 * it (ConfigLoader, TablePricing, TokenmeterApp). It is done with the input when its committed
 * offsets reach the end of every input partition: under exactly-once that is when the counts are
 * durable, so this is the honest finish line. It writes its {@link ResultFile} then and keeps
 * running, since windows still close and rollups still flow; the harness stops it with SIGTERM.
 * Arguments: the result file, then config keys as key=value.
 */
public final class TokenmeterChild {

  private static final long POLL_MILLIS = 50;

  private TokenmeterChild() {}

  public static void main(String[] args) throws Exception {
    ExitWithParent.install();
    Path resultFile = Path.of(args[0]);
    Map<String, String> overrides = new LinkedHashMap<>();
    for (String kv : List.of(args).subList(1, args.length)) {
      int eq = kv.indexOf('=');
      overrides.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
    String contender = "exactly_once_v2".equals(overrides.get("kafka.processing.guarantee"))
        ? "tokenmeter-eos"
        : "tokenmeter-alos";
    TokenmeterConfig config = ConfigLoader.create().overrides(overrides).load();
    Pricing pricing = TablePricing.from(config.pricing());
    CountDownLatch stopped = new CountDownLatch(1);
    KafkaStreams.StateListener onError = (now, before) -> {
      if (now == KafkaStreams.State.ERROR) {
        ResultFile.failed(contender, "Kafka Streams went to ERROR").write(resultFile);
        stopped.countDown();
      }
    };
    String floor = System.getProperty("tokenmeter.bench.floor");
    if (floor != null) {
      KafkaStreams streams = StreamsFloor.start(config, floor, onError);
      Runtime.getRuntime()
          .addShutdownHook(new Thread(
              () -> {
                streams.close(Duration.ofSeconds(30));
                stopped.countDown();
              },
              "tokenmeter-bench-shutdown"));
    } else {
      TokenmeterApp app = new TokenmeterApp(config, pricing);
      Runtime.getRuntime()
          .addShutdownHook(new Thread(
              () -> {
                app.close(Duration.ofSeconds(30));
                stopped.countDown();
              },
              "tokenmeter-bench-shutdown"));
      app.start(onError);
    }
    String topic = config.topics().calls();
    String group = config.kafka().applicationId();
    try (Admin admin = Admin.create(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers()))) {
      List<TopicPartition> partitions =
          admin
              .describeTopics(List.of(topic))
              .allTopicNames()
              .get()
              .get(topic)
              .partitions()
              .stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      Map<TopicPartition, Long> end = admin
          .listOffsets(
              partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest())))
          .all()
          .get()
          .entrySet()
          .stream()
          .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
      while (stopped.getCount() > 0) {
        Map<TopicPartition, OffsetAndMetadata> committed = admin
            .listConsumerGroupOffsets(group)
            .partitionsToOffsetAndMetadata()
            .get();
        if (reached(committed, end)) {
          long finishedMs = System.currentTimeMillis();
          long cpu = Cpu.processNanos() - FirstPollInterceptor.CPU_AT_FIRST_RECORD.get();
          long records = end.values().stream().mapToLong(Long::longValue).sum();
          new ResultFile(
                  contender,
                  records,
                  FirstPollInterceptor.FIRST_RECORD_AT_MS.get(),
                  finishedMs,
                  cpu,
                  0,
                  null,
                  null,
                  null)
              .write(resultFile);
          System.err.print(ThreadCpu.describe(ThreadCpu.byGroup()));
          break;
        }
        stopped.await(POLL_MILLIS, TimeUnit.MILLISECONDS);
      }
    }
    stopped.await();
  }

  private static boolean reached(
      Map<TopicPartition, OffsetAndMetadata> committed, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      OffsetAndMetadata c = committed.get(e.getKey());
      if (e.getValue() > 0 && (c == null || c.offset() < e.getValue())) {
        return false;
      }
    }
    return true;
  }
}
