package io.tokenmeter.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The configuration file of one app deployment under test (its own topics and application id),
 * tuned to fail over fast on a small machine, and a price table that applies to any date.
 */
record AppConfig(
    String bootstrapServers,
    String applicationId,
    String calls,
    String rollups,
    Path priceFile,
    Duration grace) {

  /** gpt-4o and gpt-4o-mini are priced; local-llama is not, so unpriced counts are checked too. */
  private static final String PRICES = String.join(
      "\n",
      "# version: reliability-it-1",
      "provider\tmodel\teffective_from\tinput_usd_per_1m\tcache_read_input_usd_per_1m\tcache_creation_input_usd_per_1m\toutput_usd_per_1m\tsource\ttaken_on",
      "openai\tgpt-4o\t2000-01-01\t2.50\t1.25\t\t10.00\ttest\t2026-11-27",
      "openai\tgpt-4o-mini\t2000-01-01\t0.15\t0.075\t\t0.60\ttest\t2026-11-27",
      "");

  /** New topics (the calls topic with {@code partitions}) and a fresh application id. */
  static AppConfig create(String bootstrapServers, Path dir, int partitions, Duration grace) {
    return create(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers),
        dir,
        partitions,
        grace,
        (short) 1);
  }

  /**
   * As {@link #create(String, Path, int, Duration)}, on a broker reached with {@code client} (bootstrap
   * servers and any security settings), the calls topic with {@code replicationFactor} replicas.
   */
  static AppConfig create(
      Map<String, String> client,
      Path dir,
      int partitions,
      Duration grace,
      short replicationFactor) {
    String bootstrapServers = client.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    AppConfig config = new AppConfig(
        bootstrapServers,
        "tokenmeter-rel-" + suffix,
        "llm.calls." + suffix,
        "llm.rollups.1m." + suffix,
        dir.resolve("prices-" + suffix + ".tsv"),
        grace);
    try (Admin admin = Admin.create(Map.<String, Object>copyOf(client))) {
      Files.writeString(config.priceFile, PRICES, StandardCharsets.UTF_8);
      admin
          .createTopics(
              java.util.List.of(new NewTopic(config.calls, partitions, replicationFactor)))
          .all()
          .get();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot create " + config.calls, e);
    }
    return config;
  }

  /** The properties of one instance: {@code guarantee} as in kafka.processing.guarantee. */
  Map<String, String> instance(String guarantee, Path stateDir) {
    String suffix = calls.substring(calls.lastIndexOf('.') + 1);
    Map<String, String> p = new TreeMap<>();
    p.put("kafka.bootstrap.servers", bootstrapServers);
    p.put("kafka.application.id", applicationId);
    p.put("kafka.processing.guarantee", guarantee);
    p.put("kafka.state.dir", stateDir.toString());
    p.put("kafka.commit.interval", "200ms");
    p.put("kafka.cache.max.bytes", "1MiB");
    // A crashed member holds its partitions until its session expires; the broker's floor is 6 s.
    p.put("kafka.client.session.timeout.ms", "6000");
    p.put("kafka.client.heartbeat.interval.ms", "1500");
    p.put("topics.calls", calls);
    p.put("topics.rollups", rollups);
    p.put("topics.alerts", "llm.alerts." + suffix);
    p.put("topics.calls.dead.letter", "llm.calls.dlq." + suffix);
    p.put("topics.partitions", "4");
    p.put("topics.calls.retention", "1d");
    p.put("topics.output.retention", "1d");
    p.put("rollup.grace", grace.toMillis() + "ms");
    // The most the grace allows (the app refuses more); the traces lie in the past.
    p.put("rollup.future.tolerance", grace.toMillis() + "ms");
    p.put("rollup.close.check.interval", "500ms");
    p.put("pricing.file", priceFile.toString());
    p.put("http.enabled", "false");
    return p;
  }
}
