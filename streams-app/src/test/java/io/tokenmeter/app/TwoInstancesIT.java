package io.tokenmeter.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenmeter.app.CallTrace.RollupId;
import io.tokenmeter.app.CallTrace.Totals;
import io.tokenmeter.config.PricingSettings;
import io.tokenmeter.cost.Pricing;
import io.tokenmeter.cost.TablePricing;
import io.tokenmeter.schemas.UsageRollup;
import io.tokenmeter.testkit.junit.SharedBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two app processes with one application id and their own state directories share the calls
 * topic's partitions. One goes away in the middle of a steady trace, gracefully or by crashing;
 * the other takes over its partitions, and the final rollups (read_committed) are still exact.
 */
class TwoInstancesIT {

  private static final int PARTITIONS = 4;
  private static final int EVENTS = 16_000;
  private static final int PER_SECOND = 400;
  private static final Duration GRACE = Duration.ofSeconds(10);

  @RegisterExtension
  static final SharedBroker broker = new SharedBroker();

  @TempDir
  Path dir;

  @Test
  void aStoppedInstanceHandsItsPartitionsToTheOtherAndTotalsStayExact() throws Exception {
    loseOneInstanceMidTrace(2026L, AppProcess::stop);
  }

  @Test
  void aCrashedInstanceLosesItsPartitionsToTheOtherAndTotalsStayExact() throws Exception {
    loseOneInstanceMidTrace(1127L, AppProcess::kill);
  }

  private void loseOneInstanceMidTrace(long seed, Consumer<AppProcess> goAway) throws Exception {
    AppConfig config = AppConfig.create(broker.bootstrapServers(), dir, PARTITIONS, GRACE);
    Pricing pricing = TablePricing.from(new PricingSettings(Optional.of(config.priceFile())));
    Instant lastMinute =
        Instant.ofEpochMilli(Math.floorDiv(System.currentTimeMillis(), 60_000L) * 60_000L);
    CallTrace trace = CallTrace.generate(
        seed,
        EVENTS,
        lastMinute.minus(Duration.ofMinutes(12)),
        Duration.ofMinutes(9),
        Duration.ofSeconds(3));
    Map<RollupId, Totals> reference = trace.reference(pricing);
    Set<Integer> allPartitions = Set.of(0, 1, 2, 3);

    try (AppProcess one = AppProcess.start(
            "one", dir, config.instance("exactly_once_v2", dir.resolve("state-one")));
        AppProcess two = AppProcess.start(
            "two", dir, config.instance("exactly_once_v2", dir.resolve("state-two")));
        StreamsGroupProbe group = new StreamsGroupProbe(
            broker.bootstrapServers(), config.applicationId(), config.calls())) {
      one.awaitRunning();
      two.awaitRunning();
      await("both instances hold input partitions")
          .atMost(Duration.ofMinutes(1))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> {
            Map<String, Set<Integer>> byMember = group.inputPartitionsByMember();
            return byMember.size() == 2
                && byMember.values().stream().noneMatch(Set::isEmpty)
                && union(byMember.values()).equals(allPartitions);
          });
      Map<String, Set<Integer>> split = group.inputPartitionsByMember();

      try (CallPublisher publisher =
          CallPublisher.start(broker.bootstrapServers(), config.calls(), trace, PER_SECOND)) {
        long target = trace.sends().size() * 2L / 5;
        await("app committed " + target + " events")
            .atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(100))
            .until(() -> group.committedTotal() >= target);
        goAway.accept(one);
        System.out.printf(
            "split %s; one gone at %d of %d sent%n",
            split, publisher.handedOver(), trace.sends().size());

        await("the remaining instance holds every input partition")
            .atMost(Duration.ofMinutes(1))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> {
              Map<String, Set<Integer>> byMember = group.inputPartitionsByMember();
              return byMember.size() == 1
                  && byMember.values().iterator().next().equals(allPartitions);
            });
        assertThat(publisher.handedOver())
            .as("taken over while the trace was still being published")
            .isLessThan(trace.sends().size());
        assertThat(two.isAlive()).isTrue();

        publisher.done().get(3, TimeUnit.MINUTES);
        List<UsageRollup> rollups = FinalRollups.read(
            broker.bootstrapServers(), config.rollups(), reference.keySet(), Duration.ofMinutes(2));
        Map<RollupId, List<UsageRollup>> byId = rollups.stream()
            .collect(Collectors.groupingBy(RollupId::of, TreeMap::new, Collectors.toList()));
        assertThat(byId.keySet()).containsExactlyInAnyOrderElementsOf(reference.keySet());
        assertThat(rollups).as("no rollup emitted twice").hasSize(reference.size());
        Map<RollupId, Totals> actual = new TreeMap<>();
        byId.forEach((id, copies) -> actual.put(id, Totals.of(copies.get(0))));
        assertThat(actual).isEqualTo(reference);
      }
      two.stop();
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError(
          e.getMessage() + "\napp logs " + dir.resolve("one.log") + ", " + dir.resolve("two.log"),
          e);
    }
  }

  private static Set<Integer> union(Collection<Set<Integer>> sets) {
    Set<Integer> all = new HashSet<>();
    sets.forEach(all::addAll);
    return all;
  }
}
