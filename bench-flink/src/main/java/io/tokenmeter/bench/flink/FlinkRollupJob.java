package io.tokenmeter.bench.flink;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The benchmark's Flink SQL contender: Tokenmeter's per-minute rollup as a {@code TUMBLE} window
 * on a local MiniCluster in this JVM, reading the call topic from the earliest offsets up to the
 * latest at start (a bounded source), writing one JSON object per window and dimension set.
 * See bench-flink/README.md for the arguments and the result file.
 */
public final class FlinkRollupJob {

  static final String CONTENDER = "flink-sql";

  private FlinkRollupJob() {}

  public static void main(String[] argv) {
    Args args;
    try {
      args = Args.parse(argv);
    } catch (IllegalArgumentException e) {
      System.err.println("FlinkRollupJob: " + e.getMessage());
      System.err.println(Args.USAGE);
      exit(2);
      return;
    }
    try {
      run(args);
    } catch (Throwable t) {
      System.err.println("FlinkRollupJob failed: " + t);
      t.printStackTrace(System.err);
      exit(1);
      return;
    }
    exit(0);
  }

  static void run(Args a) throws Exception {
    createOutputTopic(a);

    Map<String, String> conf = new HashMap<>();
    // No checkpoints and no restarts: a failure ends the job and this process (exit non-zero).
    conf.put("restart-strategy.type", "none");
    // The harness gives this JVM -Xmx1g: keep the MiniCluster's off-heap budgets small.
    conf.put("taskmanager.memory.managed.size", "64m");
    conf.put("taskmanager.memory.network.min", "32m");
    conf.put("taskmanager.memory.network.max", "32m");
    conf.put("rest.bind-port", "0");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(
        a.parallelism, Configuration.fromMap(conf));
    StreamTableEnvironment tableEnv = StreamTableEnvironment.create(env);
    // Minutes are UTC minutes whatever the machine's zone, as in Tokenmeter; see RollupJson.
    tableEnv.getConfig().setLocalTimeZone(ZoneOffset.UTC);

    KafkaSource<Row> source = KafkaSource.<Row>builder()
        .setBootstrapServers(a.bootstrapServers)
        .setTopics(a.topic)
        .setGroupId(a.groupId)
        .setStartingOffsets(OffsetsInitializer.earliest())
        .setBounded(OffsetsInitializer.latest())
        .setDeserializer(new CallEventDeserializer())
        .build();
    // Watermarks per Kafka partition (split), inside the source: a reader that serves several
    // partitions reads them in batches, far apart in event time, and one watermark over the merged
    // stream would drop the slower partition's events as late. Kafka Streams, too, keeps stream
    // time per partition. Bounded out-of-orderness = the grace period.
    WatermarkStrategy<Row> watermarks = WatermarkStrategy.<Row>forBoundedOutOfOrderness(
            Duration.ofSeconds(a.graceSeconds))
        .withTimestampAssigner((row, previous) -> (Long) row.getField(0));
    DataStream<Row> calls = env.fromSource(source, watermarks, "llm-calls");

    Table callsTable = tableEnv.fromDataStream(
        calls,
        Schema.newBuilder()
            // The record timestamp (the event's timestamp) and the source's watermarks.
            .columnByMetadata("ts", DataTypes.TIMESTAMP_LTZ(3), "rowtime")
            .watermark("ts", "SOURCE_WATERMARK()")
            .build());
    tableEnv.createTemporaryView("calls", callsTable);
    Table rollup = tableEnv.sqlQuery(ROLLUP_SQL);

    KafkaSink<String> sink = KafkaSink.<String>builder()
        .setBootstrapServers(a.bootstrapServers)
        .setRecordSerializer(KafkaRecordSerializationSchema.<String>builder()
            .setTopic(a.outputTopic)
            .setValueSerializationSchema(new SimpleStringSchema(StandardCharsets.UTF_8))
            .build())
        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
        .setProperty("compression.type", "lz4")
        .setProperty("linger.ms", "5")
        .build();
    tableEnv
        .toDataStream(rollup)
        .map(new RollupJson())
        .name("rollup-json")
        .sinkTo(sink)
        .name("rollups");

    env.execute("tokenmeter-flink-sql-rollup");
    long finishedAtMs = System.currentTimeMillis();
    long cpuAtFinish = CallEventDeserializer.processCpuNanos();

    long firstAt = CallEventDeserializer.FIRST_RECORD_AT_MS.get();
    long cpuNanos =
        firstAt == 0 ? 0 : cpuAtFinish - CallEventDeserializer.FIRST_RECORD_CPU_NANOS.get();
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("contender", CONTENDER);
    result.put("records", CallEventDeserializer.RECORDS.get());
    result.put("firstRecordAtMs", firstAt);
    result.put("finishedAtMs", finishedAtMs);
    result.put("cpuNanos", cpuNanos);
    result.put("outputRows", RollupJson.OUTPUT_ROWS.get());
    writeAtomically(a.resultFile, toJson(result));
  }

  /** The rollup: one row per closed minute and dimension set, as Tokenmeter's UsageRollup counts it. */
  static final String ROLLUP_SQL =
      "SELECT window_start, window_end, model, org_id, project_id, api_key_fingerprint, service,\n"
          + "  COUNT(*) AS requests,\n"
          + "  SUM(error) AS errors,\n"
          + "  SUM(COALESCE(input_tokens, 0)) AS input_tokens,\n"
          + "  SUM(COALESCE(output_tokens, 0)) AS output_tokens,\n"
          + "  SUM(COALESCE(cache_read_input_tokens, 0)) AS cache_read_input_tokens,\n"
          + "  SUM(COALESCE(cache_creation_input_tokens, 0)) AS cache_creation_input_tokens,\n"
          + "  SUM(COALESCE(reasoning_output_tokens, 0)) AS reasoning_output_tokens,\n"
          + "  SUM(CASE WHEN input_tokens IS NULL OR output_tokens IS NULL THEN 1 ELSE 0 END)"
          + " AS requests_without_usage,\n"
          + "  MAX(duration_ms) AS max_duration_ms\n"
          + "FROM TABLE(TUMBLE(TABLE calls, DESCRIPTOR(ts), INTERVAL '1' MINUTE))\n"
          + "GROUP BY window_start, window_end, model, org_id, project_id, api_key_fingerprint, service";

  /** Creates the output topic with the input topic's partition count; an existing one is kept. */
  private static void createOutputTopic(Args a) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, a.bootstrapServers);
    // A broker that is not there fails the run in 30 s rather than the client's default minute.
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    try (Admin admin = Admin.create(props)) {
      TopicDescription input;
      try {
        input = admin.describeTopics(List.of(a.topic)).allTopicNames().get().get(a.topic);
      } catch (ExecutionException e) {
        throw new IllegalStateException(
            "cannot describe input topic " + a.topic + ": " + e.getCause(), e.getCause());
      }
      NewTopic out =
          new NewTopic(a.outputTopic, Optional.of(input.partitions().size()), Optional.empty());
      try {
        admin.createTopics(List.of(out)).all().get();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new IllegalStateException(
              "cannot create output topic " + a.outputTopic + ": " + e.getCause(), e.getCause());
        }
      }
    }
  }

  private static void writeAtomically(Path file, String content) throws Exception {
    Path abs = file.toAbsolutePath();
    Path dir = abs.getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    Path tmp = Files.createTempFile(dir, abs.getFileName().toString(), ".tmp");
    try {
      Files.writeString(tmp, content, StandardCharsets.UTF_8);
      Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static String toJson(Map<String, Object> m) {
    StringBuilder sb = new StringBuilder("{");
    for (Map.Entry<String, Object> e : m.entrySet()) {
      if (sb.length() > 1) {
        sb.append(',');
      }
      sb.append('"').append(e.getKey()).append("\":");
      if (e.getValue() instanceof String s) {
        RollupJson.quote(sb, s);
      } else {
        sb.append(e.getValue());
      }
    }
    return sb.append("}\n").toString();
  }

  /**
   * Ends the process. Flink leaves non-daemon threads behind and its shutdown hooks may wait on
   * them; a daemon watchdog halts the JVM if a clean exit takes longer than 30 seconds.
   */
  private static void exit(int code) {
    Thread watchdog = new Thread(
        () -> {
          try {
            Thread.sleep(30_000);
          } catch (InterruptedException ignored) {
            // exiting anyway
          }
          Runtime.getRuntime().halt(code);
        },
        "exit-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    System.exit(code);
  }

  /** The command line; every option is required. */
  static final class Args {
    static final String USAGE =
        "usage: FlinkRollupJob --bootstrap-servers H:P --topic T --output-topic O --group-id G"
            + " --parallelism P --grace-seconds S --result-file PATH";

    String bootstrapServers;
    String topic;
    String outputTopic;
    String groupId;
    int parallelism;
    int graceSeconds;
    Path resultFile;

    static Args parse(String[] argv) {
      Map<String, String> v = new HashMap<>();
      List<String> known = List.of(
          "--bootstrap-servers",
          "--topic",
          "--output-topic",
          "--group-id",
          "--parallelism",
          "--grace-seconds",
          "--result-file");
      for (int i = 0; i < argv.length; i++) {
        String name = argv[i];
        String value = null;
        int eq = name.indexOf('=');
        if (name.startsWith("--") && eq > 0) {
          value = name.substring(eq + 1);
          name = name.substring(0, eq);
        }
        if (!known.contains(name)) {
          throw new IllegalArgumentException("unknown argument '" + argv[i] + "'");
        }
        if (value == null) {
          if (i + 1 >= argv.length) {
            throw new IllegalArgumentException("argument " + name + " needs a value");
          }
          value = argv[++i];
        }
        if (value.isBlank()) {
          throw new IllegalArgumentException("argument " + name + " is empty");
        }
        if (v.put(name, value) != null) {
          throw new IllegalArgumentException("argument " + name + " given twice");
        }
      }
      for (String k : known) {
        if (!v.containsKey(k)) {
          throw new IllegalArgumentException("missing argument " + k);
        }
      }
      Args a = new Args();
      a.bootstrapServers = v.get("--bootstrap-servers");
      a.topic = v.get("--topic");
      a.outputTopic = v.get("--output-topic");
      a.groupId = v.get("--group-id");
      a.parallelism = intArg(v, "--parallelism", 1);
      a.graceSeconds = intArg(v, "--grace-seconds", 0);
      try {
        a.resultFile = Paths.get(v.get("--result-file"));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "argument --result-file is not a path: " + v.get("--result-file"));
      }
      if (a.topic.equals(a.outputTopic)) {
        throw new IllegalArgumentException("argument --output-topic must differ from --topic");
      }
      return a;
    }

    private static int intArg(Map<String, String> v, String name, int min) {
      String s = v.get(name);
      int n;
      try {
        n = Integer.parseInt(s.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "argument " + name + " must be an integer, was '" + s + "'");
      }
      if (n < min) {
        throw new IllegalArgumentException(
            "argument " + name + " must be at least " + min + ", was " + n);
      }
      return n;
    }
  }
}
