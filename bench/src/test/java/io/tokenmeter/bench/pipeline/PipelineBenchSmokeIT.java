package io.tokenmeter.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness end to end on a small input: every contender passes its correctness gate. It asserts
 * correctness only; the throughput numbers of so small a run mean nothing and are not checked.
 */
class PipelineBenchSmokeIT {

  @TempDir
  Path outDir;

  @Test
  void everyContenderPassesTheGate() throws Exception {
    String contenders = "consumer-perf,plain-consumer,tokenmeter-alos,tokenmeter-eos,flink-sql";
    Path docs = Path.of("../docs/benchmarks.md");
    String docsBefore = Files.readString(docs);

    int exit = PipelineBench.run(
        "--events",
        "20000",
        "--repeats",
        "1",
        "--latency-seconds",
        "0",
        "--contenders",
        contenders,
        "--out-dir",
        outDir.toString());

    JsonNode results = ResultFile.JSON.readTree(outDir.resolve("results.json").toFile());
    List<String> failed = new ArrayList<>();
    for (JsonNode c : results.get("contenders")) {
      if (!c.get("passed").asBoolean()) {
        failed.add(c.get("contender").asText() + ": " + c.get("failures"));
      }
    }
    assertThat(failed).isEmpty();
    assertThat(results.get("contenders")).hasSize(contenders.split(",").length);
    assertThat(exit).isZero();
    assertThat(Files.readString(outDir.resolve("results.md"))).contains("tokenmeter-eos");
    assertThat(Files.readString(docs)).isEqualTo(docsBefore);
  }
}
