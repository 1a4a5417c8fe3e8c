package io.tokenmeter.app;

import static io.tokenmeter.testkit.HangingTransaction.endOffset;
import static io.tokenmeter.testkit.HangingTransaction.lastStableOffset;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenmeter.app.CallTrace.RollupId;
import io.tokenmeter.app.CallTrace.Totals;
import io.tokenmeter.config.PricingSettings;
import io.tokenmeter.cost.Pricing;
import io.tokenmeter.cost.TablePricing;
import io.tokenmeter.schemas.UsageRollup;
import io.tokenmeter.testkit.HangingTransaction;
import io.tokenmeter.testkit.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hanging transaction, as a single broker's crash left one in {@code BrokerRestartIT}'s rare
 * failures, made on purpose: a transaction of a former instance of the app (its transactional id,
 * an epoch its coordinator has moved past) left open on every changelog partition while the app is
 * down; then an instance with an empty state directory starts. Restoring a store under exactly-once
 * reads a changelog to its end with {@code read_committed}, so without the app's abort it would
 * wait forever (with {@code kafka.abort.hanging.transactions.after=0s} it never got to RUNNING).
 */
class HangingTransactionIT {

  private static final Duration GRACE = Duration.ofSeconds(10);

  @TempDir
  Path dir;

  @Test
  void theAppAbortsItsOwnHangingTransactionsRestoresPastThemAndLeavesOthersAlone()
      throws Exception {
    try (KafkaBroker broker = KafkaBroker.builder()
            .brokerProperty("transaction.partition.verification.enable", "false")
            .start();
        Admin admin = Admin.create(Map.<String, Object>copyOf(broker.clientProperties()))) {
      AppConfig config = AppConfig.create(broker.bootstrapServers(), dir, 4, GRACE);
      Pricing pricing = TablePricing.from(new PricingSettings(Optional.of(config.priceFile())));
      Instant lastMinute =
          Instant.ofEpochMilli(Math.floorDiv(System.currentTimeMillis(), 60_000L) * 60_000L);
      // Two traces a minute apart in event time, so no window of the first is open when the second
      // comes.
      CallTrace before = CallTrace.generate(
          61L,
          1_500,
          lastMinute.minus(Duration.ofMinutes(14)),
          Duration.ofMinutes(4),
          Duration.ofSeconds(3));
      CallTrace after = CallTrace.generate(
          62L,
          1_500,
          lastMinute.minus(Duration.ofMinutes(8)),
          Duration.ofMinutes(5),
          Duration.ofSeconds(3));
      Map<RollupId, Totals> reference = new TreeMap<>(before.reference(pricing));
      reference.putAll(after.reference(pricing));
      Map<String, String> first =
          new TreeMap<>(config.instance("exactly_once_v2", dir.resolve("state-1")));
      first.put("kafka.abort.hanging.transactions.after", "2s");
      // The second instance starts on an empty state directory: it restores every store from its
      // changelog.
      Map<String, String> second = new TreeMap<>(first);
      second.put("kafka.state.dir", dir.resolve("state-2").toString());

      try (AppProcess app = AppProcess.start("app", dir, first).awaitRunning()) {
        publish(broker, config, before);
        FinalRollups.read(
            broker.bootstrapServers(),
            config.rollups(),
            before.reference(pricing).keySet(),
            Duration.ofMinutes(2));
        app.stop();
      }
      List<TopicPartition> changelogs = partitionsOf(admin, config.applicationId(), "-changelog");
      assertThat(changelogs).as("changelog partitions").hasSizeGreaterThan(10);
      // Named as Streams names an instance's producer: <application.id>-<process id>-<thread>.
      String formerInstance = config.applicationId() + "-" + UUID.randomUUID() + "-1";
      List<HangingTransaction.Open> hanging =
          HangingTransaction.leaveOpen(broker, changelogs, formerInstance);
      for (HangingTransaction.Open h : hanging) {
        assertThat(lastStableOffset(admin, h.partition()))
            .as("%s held", h.partition())
            .isEqualTo(h.offset());
      }

      try (AppProcess app = AppProcess.start("restored", dir, second).awaitRunning()) {
        publish(broker, config, after);
        List<UsageRollup> rollups = FinalRollups.read(
            broker.bootstrapServers(), config.rollups(), reference.keySet(), Duration.ofMinutes(2));

        Map<RollupId, List<UsageRollup>> byId = rollups.stream()
            .collect(Collectors.groupingBy(RollupId::of, TreeMap::new, Collectors.toList()));
        assertThat(rollups).as("no rollup emitted twice").hasSize(byId.size());
        Map<RollupId, Totals> actual = new TreeMap<>();
        byId.forEach((id, copies) -> actual.put(id, Totals.of(copies.get(0))));
        assertThat(actual)
            .as("totals of both traces, the first restored from the changelogs")
            .isEqualTo(reference);
        for (HangingTransaction.Open h : hanging) {
          assertThat(lastStableOffset(admin, h.partition()))
              .as("%s released", h.partition())
              .isEqualTo(endOffset(admin, h.partition()));
        }
        String log = Files.readString(app.log(), StandardCharsets.ISO_8859_1);
        for (HangingTransaction.Open h : hanging) {
          assertThat(log)
              .contains("Aborted a hanging transaction on " + h.partition() + " producer id "
                  + h.producerId() + " epoch " + h.producerEpoch() + " from offset " + h.offset());
        }

        // Another producer's transaction is not the app's to abort, even on the app's own output
        // topic.
        TopicPartition output = new TopicPartition(config.rollups(), 0);
        HangingTransaction.Open foreign =
            HangingTransaction.leaveOpen(broker, output, "not-tokenmeter-" + UUID.randomUUID());
        await("the app reports the foreign transaction")
            .atMost(Duration.ofMinutes(1))
            .until(() -> Files.readString(app.log(), StandardCharsets.ISO_8859_1)
                .contains("--topic " + output.topic() + " --partition 0 --start-offset "
                    + foreign.offset()));
        assertThat(lastStableOffset(admin, output)).as("left open").isEqualTo(foreign.offset());
        app.stop();
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError(e.getMessage() + "\napp log " + dir.resolve("restored.log"), e);
      }
    }
  }

  private static void publish(KafkaBroker broker, AppConfig config, CallTrace trace)
      throws Exception {
    try (CallPublisher publisher =
        CallPublisher.start(broker.bootstrapServers(), config.calls(), trace, 1_000)) {
      publisher.done().get(2, TimeUnit.MINUTES);
    }
  }

  private static List<TopicPartition> partitionsOf(Admin admin, String applicationId, String suffix)
      throws Exception {
    List<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
        .filter(t -> t.startsWith(applicationId + "-") && t.endsWith(suffix))
        .sorted()
        .toList();
    return admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).values().stream()
        .flatMap(d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition())))
        .sorted(Comparator.comparing(TopicPartition::toString))
        .toList();
  }
}
