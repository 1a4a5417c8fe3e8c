package io.tokenmeter.bench.pipeline;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Kafka's kafka-consumer-perf-test: fetching the bytes and nothing else, no decoding. The upper
 * bound for any consumer of this topic on this broker. Its rate is its own fetch.nMsg.sec, which
 * leaves out the group join. Its gate can only be the message count: it never looks inside.
 */
final class ConsumerPerfContender implements Contender {

  @Override
  public String name() {
    return "consumer-perf";
  }

  @Override
  public Outcome run(Run run) throws Exception {
    Path result = run.workDir().resolve(name() + run.suffix() + ".json");
    long broker0 = Cpu.processNanos(run.brokerPid());
    try (ChildProcess child = ChildProcess.start(
        name(),
        run.classpath(),
        ConsumerPerfChild.class.getName(),
        List.of(
            result.toString(),
            "--bootstrap-server",
            run.bootstrap(),
            "--topic",
            run.topic(),
            "--num-records",
            Long.toString(run.events()),
            "--group",
            "bench-consumer-perf" + run.suffix(),
            "--timeout",
            "60000"),
        run.workDir().resolve(name() + run.suffix() + ".log"))) {
      ResultFile r = child.awaitResult(result, run.timeout());
      double brokerCpu = (Cpu.processNanos(run.brokerPid()) - broker0) / 1e9;
      if (r.error() != null) {
        return Outcome.failed(name(), r.error());
      }
      Gate.Verdict v = Gate.checkCount(run.events(), r.records());
      if (!v.passed()) {
        return Outcome.failed(name(), v.reason());
      }
      return new Outcome(
          name(),
          true,
          "count only (consumer-perf decodes nothing, so tokens are not checked)",
          r.eventsPerSec(),
          r.seconds(),
          r.cpuNanos() / 1e9,
          brokerCpu,
          Map.of());
    }
  }
}
