package io.tokenmeter.bench.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenmeter.bench.flink.FlinkClasspath;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Flink SQL doing only the sums, from the bench-flink module. Only that module's own jar is on our
 * classpath: {@link FlinkClasspath} names the job's classpath, which must stay out of ours (Flink
 * brings its own Kafka client), so the job runs in its own JVM. The job ends by itself.
 */
final class FlinkContender implements Contender {

  static final String JOB_CLASS = FlinkClasspath.MAIN_CLASS;

  @Override
  public String name() {
    return "flink-sql";
  }

  @Override
  public Outcome run(Run run) throws Exception {
    String classpath = FlinkClasspath.javaClasspath();
    Path result = run.workDir().resolve(name() + run.suffix() + ".json");
    String output = "bench.flink.rollups" + run.suffix();
    long broker0 = Cpu.processNanos(run.brokerPid());
    try (ChildProcess child = ChildProcess.start(
        name(),
        classpath,
        JOB_CLASS,
        List.of(
            "--bootstrap-servers",
            run.bootstrap(),
            "--topic",
            run.topic(),
            "--output-topic",
            output,
            "--group-id",
            "bench-flink" + run.suffix(),
            "--parallelism",
            "2",
            "--grace-seconds",
            Integer.toString(run.options().graceSeconds()),
            "--result-file",
            result.toString()),
        run.workDir().resolve(name() + run.suffix() + ".log"))) {
      ResultFile r = child.awaitResult(result, run.timeout());
      double brokerCpu = (Cpu.processNanos(run.brokerPid()) - broker0) / 1e9;
      if (r.error() != null) {
        return Outcome.failed(name(), r.error());
      }
      Totals got = readOutput(run.bootstrap(), output);
      Gate.Verdict v = Gate.check(run.expected(), got);
      if (!v.passed()) {
        return Outcome.failed(name(), v.reason());
      }
      return new Outcome(
          name(),
          true,
          "",
          run.events() / r.seconds(),
          r.seconds(),
          r.cpuNanos() / 1e9,
          brokerCpu,
          Map.of("outputRows", r.outputRows()));
    }
  }

  /** Sums the job's JSON rows; the job has ended, so the topic is complete. */
  static Totals readOutput(String bootstrap, String topic) throws Exception {
    Totals.Sum sum = new Totals.Sum();
    try (TopicReader reader = new TopicReader(bootstrap, topic)) {
      while (!reader.atEnd()) {
        for (ConsumerRecord<byte[], byte[]> rec : reader.poll(Duration.ofMillis(500))) {
          sum.add(row(ResultFile.JSON.readTree(rec.value())));
        }
      }
    }
    return sum.totals();
  }

  static Totals row(JsonNode n) {
    return new Totals(
        n.path("requests").asLong(),
        n.path("errors").asLong(),
        n.path("input_tokens").asLong(),
        n.path("output_tokens").asLong(),
        n.path("cache_read_input_tokens").asLong(),
        n.path("cache_creation_input_tokens").asLong(),
        n.path("reasoning_output_tokens").asLong(),
        n.path("requests_without_usage").asLong());
  }
}
