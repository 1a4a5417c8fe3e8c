package io.tokenmeter.bench;

import io.tokenmeter.sdk.LlmCall;
import io.tokenmeter.sdk.Tokenmeter;
import io.tokenmeter.testkit.KafkaBroker;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What {@link Tokenmeter#record} costs the caller's thread, per call: latency percentiles
 * (SampleTime) and, with {@code -prof gc} and {@code -prof io.tokenmeter.bench.CallerAllocationProfiler},
 * bytes allocated.
 *
 * <p>Two paths are measured separately, because they cost differently and mixing them would
 * report neither honestly:
 *
 * <ul>
 *   <li>{@code *_accepted}: a running broker (testkit's KafkaBroker) and a large queue, with calls
 *       paced at {@code ratePerSecond} so that the worker keeps up and every call takes the
 *       enqueue path. The pacing runs in a per-invocation setup, outside the measured time. The
 *       trial fails if even one call found the queue full, since it would then have measured the
 *       drop path.
 *   <li>{@code record_queueFull}: no broker and a full queue, unpaced: the drop path a caller
 *       sees during an outage.
 * </ul>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 3,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class SdkRecordBenchmark {

  static final String SECRET = "bench-secret-0123456789abcdef0123456789abcdef";
  static final String API_KEY = "sk-proj-BENCHxKEYx000000000000000000000000000000000000abcd";

  /** The SDK publishing to a real broker, with room in the queue. */
  @State(Scope.Benchmark)
  public static class RunningBroker {
    KafkaBroker broker;
    Tokenmeter tm;

    @Setup(Level.Trial)
    public void start() throws Exception {
      broker = KafkaBroker.start();
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
        admin
            .createTopics(List.of(new NewTopic("llm.calls", 1, (short) 1)))
            .all()
            .get(60, TimeUnit.SECONDS);
      }
      tm = Tokenmeter.builder()
          .bootstrapServers(broker.bootstrapServers())
          .service("bench")
          .environment("bench")
          .fingerprintSecret(SECRET)
          .queueCapacity(1 << 16)
          .build();
    }

    @TearDown(Level.Trial)
    public void stop() {
      Tokenmeter.Stats s = tm.stats();
      tm.close(Duration.ofSeconds(30));
      broker.close();
      System.out.println("\nSDK stats at the end of the trial: " + tm.stats());
      if (s.droppedQueueFull() > 0) {
        throw new IllegalStateException(
            "the queue was full " + s.droppedQueueFull() + " times: this trial measured the drop"
                + " path, not the accepted path; lower ratePerSecond");
      }
    }
  }

  /** The SDK pointed at a port where nothing listens, its queue already full. */
  @State(Scope.Benchmark)
  public static class FullQueue {
    Tokenmeter tm;

    @Setup(Level.Trial)
    public void start() throws Exception {
      int closedPort;
      try (ServerSocket s = new ServerSocket(0)) {
        closedPort = s.getLocalPort();
      }
      tm = Tokenmeter.builder()
          .bootstrapServers("127.0.0.1:" + closedPort)
          .service("bench")
          .environment("bench")
          .fingerprintSecret(SECRET)
          .queueCapacity(1024)
          .deliveryTimeout(Duration.ofHours(1))
          .build();
      LlmCall call = call();
      for (int i = 0; i < 4096; i++) {
        tm.record(call);
      }
    }

    @TearDown(Level.Trial)
    public void stop() {
      Tokenmeter.Stats s = tm.stats();
      tm.close(Duration.ZERO);
      System.out.println("\nSDK stats at the end of the trial: " + s);
    }
  }

  /** Spaces calls out to a fixed rate, outside the measured time. */
  @State(Scope.Thread)
  public static class Pacer {
    @Param("20000")
    public int ratePerSecond;

    long intervalNanos;
    long next;
    long n;

    @Setup(Level.Iteration)
    public void start() {
      intervalNanos = 1_000_000_000L / ratePerSecond;
      next = System.nanoTime();
    }

    @Setup(Level.Invocation)
    public void waitForSlot() {
      next += intervalNanos;
      while (System.nanoTime() < next) {
        Thread.onSpinWait();
      }
      n++;
    }
  }

  /** The same kind of call a service records: one model, one key, one project. */
  static LlmCall call() {
    return LlmCall.builder()
        .provider("openai")
        .operation("chat")
        .requestModel("gpt-4o-mini")
        .responseModel("gpt-4o-mini-2024-07-18")
        .apiKey(API_KEY)
        .orgId("org_bench")
        .projectId("proj_bench")
        .inputTokens(1200)
        .outputTokens(300)
        .cacheReadInputTokens(1024)
        .durationMs(850)
        .statusCode(200)
        .build();
  }

  private final LlmCall prebuilt = call();

  /** The harness alone (timer, pacing, no SDK call): subtract it from the paced results. */
  @Benchmark
  public long pacingOnly_baseline(Pacer pacer, CallerAllocation alloc) {
    return pacer.n;
  }

  @Benchmark
  public void record_accepted(RunningBroker sdk, Pacer pacer, CallerAllocation alloc) {
    sdk.tm.record(prebuilt);
  }

  @Benchmark
  public void buildAndRecord_accepted(RunningBroker sdk, Pacer pacer, CallerAllocation alloc) {
    sdk.tm.record(LlmCall.builder()
        .provider("openai")
        .operation("chat")
        .requestModel("gpt-4o-mini")
        .responseModel("gpt-4o-mini-2024-07-18")
        .apiKey(API_KEY)
        .orgId("org_bench")
        .projectId("proj_bench")
        .inputTokens(pacer.n)
        .outputTokens(300)
        .cacheReadInputTokens(1024)
        .durationMs(850)
        .statusCode(200)
        .build());
  }

  /** Building the call alone, no SDK: separates the builder's cost from the enqueue. */
  @Benchmark
  public LlmCall buildOnly_baseline(Pacer pacer, CallerAllocation alloc) {
    return LlmCall.builder()
        .provider("openai")
        .operation("chat")
        .requestModel("gpt-4o-mini")
        .responseModel("gpt-4o-mini-2024-07-18")
        .apiKey(API_KEY)
        .orgId("org_bench")
        .projectId("proj_bench")
        .inputTokens(pacer.n)
        .outputTokens(300)
        .cacheReadInputTokens(1024)
        .durationMs(850)
        .statusCode(200)
        .build();
  }

  @Benchmark
  public void record_queueFull(FullQueue sdk, CallerAllocation alloc) {
    sdk.tm.record(prebuilt);
  }
}
