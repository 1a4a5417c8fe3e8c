package io.tokenmeter.bench.pipeline;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A hand-written consumer that decodes and sums in a HashMap: the ceiling without a framework. */
final class PlainConsumerContender implements Contender {

  @Override
  public String name() {
    return "plain-consumer";
  }

  @Override
  public Outcome run(Run run) throws Exception {
    Path result = run.workDir().resolve(name() + run.suffix() + ".json");
    long broker0 = Cpu.processNanos(run.brokerPid());
    try (ChildProcess child = ChildProcess.start(
        name(),
        run.classpath(),
        PlainConsumerChild.class.getName(),
        List.of(result.toString(), run.bootstrap(), run.topic()),
        run.workDir().resolve(name() + run.suffix() + ".log"))) {
      ResultFile r = child.awaitResult(result, run.timeout());
      double brokerCpu = (Cpu.processNanos(run.brokerPid()) - broker0) / 1e9;
      if (r.error() != null) {
        return Outcome.failed(name(), r.error());
      }
      Gate.Verdict v = Gate.check(run.expected(), Totals.fromMap(r.sums()));
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
          Map.of("keyWindows", r.outputRows()));
    }
  }
}
