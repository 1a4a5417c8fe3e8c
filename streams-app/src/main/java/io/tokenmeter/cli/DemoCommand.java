package io.tokenmeter.cli;

import io.tokenmeter.demo.TrafficSimulator;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.sdk.Tokenmeter;
import io.tokenmeter.testkit.KafkaBroker;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The smoke demo: a real broker, simulated calls through the producer SDK, and the events read
 * back from the topic and shown. The streams topology will join it in the next milestone.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Start a real Kafka broker on 127.0.0.1, send simulated LLM calls through the producer SDK,",
      "read the events back from the topic and show them."
    },
    footer = {
      "",
      "Examples:",
      "  tokenmeter demo                                  # embedded broker, 300 calls",
      "  tokenmeter demo --calls 2000 --show 10",
      "  tokenmeter demo --bootstrap-server 127.0.0.1:9092    # against a running broker"
    })
final class DemoCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--calls", defaultValue = "300", description = "Calls to simulate (default: ${DEFAULT-VALUE}).")
  int calls;

  @Option(names = "--show", defaultValue = "15", description = "Events to print as rows (default: ${DEFAULT-VALUE}).")
  int show;

  @Option(
      names = "--bootstrap-server",
      description = "Use this Kafka cluster instead of starting an embedded broker.")
  String bootstrapServers;

  @Option(names = "--topic", defaultValue = "llm.calls", description = "Call event topic (default: ${DEFAULT-VALUE}).")
  String topic;

  @Option(names = "--seed", description = "Random seed, for a repeatable run.")
  Long seed;

  @Override
  public Integer call() throws Exception {
    if (calls < 1) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--calls must be at least 1, was " + calls);
    }
    PrintWriter out = spec.commandLine().getOut();
    KafkaBroker broker = null;
    try {
      if (bootstrapServers == null) {
        out.println("Starting a Kafka 4.4.0 broker (KRaft, single node) on 127.0.0.1 ...");
        out.flush();
        broker = KafkaBroker.start();
        bootstrapServers = broker.bootstrapServers();
      }
      out.println("Kafka at " + bootstrapServers + ", topic " + topic);
      createTopic();
      return run(out);
    } finally {
      out.flush();
      if (broker != null) {
        broker.close();
      }
    }
  }

  private int run(PrintWriter out) throws InterruptedException {
    RandomGenerator random = seed == null ? new SecureRandom() : new java.util.SplittableRandom(seed);
    TrafficSimulator simulator = new TrafficSimulator(random);
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    // One SDK instance per service, as each service would have its own.
    Map<String, Tokenmeter> sdks = new TreeMap<>();
    long recorded = 0;
    long sent = 0;
    long dropped = 0;
    try {
      for (String service : simulator.services()) {
        sdks.put(
            service,
            Tokenmeter.builder()
                .bootstrapServers(bootstrapServers)
                .topic(topic)
                .service(service)
                .environment("local")
                .fingerprintSecret(HexFormat.of().formatHex(secret))
                .build());
      }
      // Calls 50 ms apart, ending now: event time is when a call started, never in the future.
      Instant start = Instant.now().minusMillis(calls * 50L);
      for (int i = 0; i < calls; i++) {
        TrafficSimulator.SimulatedCall c = simulator.call(i, start.plusMillis(i * 50L));
        sdks.get(c.service()).record(c.call());
      }
    } finally {
      for (Tokenmeter sdk : sdks.values()) {
        sdk.close(Duration.ofSeconds(30));
        Tokenmeter.Stats stats = sdk.stats();
        recorded += stats.recorded();
        sent += stats.sent();
        dropped += stats.dropped();
      }
    }
    out.printf("SDK: %d recorded, %d sent, %d dropped%n", recorded, sent, dropped);

    List<LlmCallEvent> events = readBack(simulator.runId(), Duration.ofSeconds(60));
    events.sort(java.util.Comparator.comparing(LlmCallEvent::getTimestamp));
    CallEventTable table = new CallEventTable(out);
    out.println();
    table.header();
    events.stream().limit(show).forEach(table::row);
    if (events.size() > show) {
      out.printf("... and %d more%n", events.size() - show);
    }
    out.println();
    printSummary(out, events);
    out.printf("%n%d of %d events read back from %s.%n", events.size(), calls, topic);
    return events.size() == calls ? 0 : 1;
  }

  private void createTopic() throws InterruptedException {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
      admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("cannot create topic " + topic + ": " + e.getCause().getMessage(), e);
      }
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("cannot create topic " + topic + ": no answer from " + bootstrapServers, e);
    }
  }

  /** This run's events, in the order the topic gives them; other runs' events are skipped. */
  private List<LlmCallEvent> readBack(String runId, Duration timeout) {
    Map<String, Object> conf =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
            ConsumerConfig.GROUP_ID_CONFIG, "tokenmeter-demo-" + runId,
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<LlmCallEvent> events = new ArrayList<>();
    Instant deadline = Instant.now().plus(timeout);
    try (KafkaConsumer<String, LlmCallEvent> consumer =
        new KafkaConsumer<>(
            conf,
            new StringDeserializer(),
            new AvroDeserializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry()))) {
      consumer.subscribe(Set.of(topic));
      while (events.size() < calls && Instant.now().isBefore(deadline)) {
        for (ConsumerRecord<String, LlmCallEvent> r : consumer.poll(Duration.ofMillis(250))) {
          if (r.value() != null && r.value().getEventId().startsWith(runId + "-")) {
            events.add(r.value());
          }
        }
      }
    }
    return events;
  }

  private static void printSummary(PrintWriter out, List<LlmCallEvent> events) {
    record Totals(long calls, long errors, long input, long output) {
      Totals plus(LlmCallEvent e) {
        return new Totals(
            calls + 1,
            errors + (e.getErrorType() == null ? 0 : 1),
            input + (e.getInputTokens() == null ? 0 : e.getInputTokens()),
            output + (e.getOutputTokens() == null ? 0 : e.getOutputTokens()));
      }
    }
    Map<String, Totals> byGroup = new TreeMap<>();
    for (LlmCallEvent e : events) {
      String group = e.getOrgId() + " / " + e.getRequestModel();
      byGroup.merge(group, new Totals(0, 0, 0, 0).plus(e), (a, b) -> new Totals(
          a.calls() + b.calls(), a.errors() + b.errors(), a.input() + b.input(), a.output() + b.output()));
    }
    String format = "%-32s  %6s  %6s  %10s  %10s%n";
    out.printf(format, "org / model", "calls", "errors", "in_tokens", "out_tokens");
    byGroup.forEach((group, t) -> out.printf(format, group, t.calls(), t.errors(), t.input(), t.output()));
  }
}
