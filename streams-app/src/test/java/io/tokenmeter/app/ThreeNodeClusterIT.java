package io.tokenmeter.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenmeter.app.CallTrace.RollupId;
import io.tokenmeter.app.CallTrace.Totals;
import io.tokenmeter.config.PricingSettings;
import io.tokenmeter.cost.Pricing;
import io.tokenmeter.cost.TablePricing;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.UsageRollup;
import io.tokenmeter.testkit.KafkaCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The app, a real child process under exactly-once, runs against a three-node cluster (every topic
 * replication factor 3, min.insync.replicas 2) while a steady trace is published with acks=all.
 * Mid-trace the active controller, which also leads partitions of the calls topic, is killed with
 * SIGKILL and stays down: every acknowledged event must be in the calls topic, and the final
 * rollups, read with read_committed while the node is still down, must equal the reference of the
 * acknowledged events. Restarted at the end, the node catches up and rejoins every ISR.
 */
class ThreeNodeClusterIT {

  private static final int EVENTS = 4_000;
  private static final int PER_SECOND = 150;
  // Longer than the pause of a leader failover: the wall clock closes the windows of a task that
  // has seen no event for a grace period, and this trace's windows all lie in the past.
  private static final Duration GRACE = Duration.ofSeconds(20);

  @TempDir
  Path dir;

  @Test
  void killingTheControllerBrokerLosesNoAcknowledgedEventAndRollupsStayExact() throws Exception {
    try (KafkaCluster cluster = KafkaCluster.start(3)) {
      String bootstrap = cluster.bootstrapServers();
      AppConfig config = AppConfig.create(
          Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), dir, 4, GRACE, (short) 3);
      Pricing pricing = TablePricing.from(new PricingSettings(Optional.of(config.priceFile())));
      Instant lastMinute =
          Instant.ofEpochMilli(Math.floorDiv(System.currentTimeMillis(), 60_000L) * 60_000L);
      CallTrace trace = CallTrace.generate(
          20261128L,
          EVENTS,
          lastMinute.minus(Duration.ofMinutes(9)),
          Duration.ofMinutes(6),
          Duration.ofSeconds(3));
      int total = trace.sends().size();
      Map<String, String> instance =
          new TreeMap<>(config.instance("exactly_once_v2", dir.resolve("state")));
      // The app's own topics and Streams' changelog and repartition topics.
      instance.put("topics.replication.factor", "3");

      try (AppProcess app = AppProcess.start("app", dir, instance).awaitRunning();
          StreamsGroupProbe group =
              new StreamsGroupProbe(bootstrap, config.applicationId(), config.calls());
          CallPublisher publisher =
              CallPublisher.start(bootstrap, config.calls(), trace, PER_SECOND)) {
        // By the publisher's progress, not the app's: on a loaded machine the app may lag, and the
        // kill must still fall mid-trace, with a processing app.
        await("a third of the trace sent, and the app committing")
            .atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(50))
            .until(() -> publisher.handedOver() >= total / 3 && group.committedTotal() > 0);
        Admin admin = group.admin();
        assertReplicatedThreeTimesWithMinIsrTwo(admin, config);
        int victim = victim(admin, config);
        int sentBeforeKill = publisher.handedOver();
        cluster.node(victim).kill();
        System.out.printf("killed node %d after %d of %d sends%n", victim, sentBeforeKill, total);

        publisher.done().get(4, TimeUnit.MINUTES);
        Set<String> acknowledged = publisher.landed().stream()
            .map(CallPublisher.Landed::eventId)
            .collect(Collectors.toSet());
        assertThat(publisher.landed())
            .as("every send acknowledged despite the crash")
            .hasSize(total);
        Map<String, Set<String>> inTopic = eventIdsAtOffsets(bootstrap, config.calls());
        for (CallPublisher.Landed landed : publisher.landed()) {
          assertThat(inTopic.get(landed.partition() + "@" + landed.offset()))
              .as("acknowledged %s at %s@%d", landed.eventId(), landed.partition(), landed.offset())
              .containsExactly(landed.eventId());
        }

        Map<RollupId, Totals> reference = trace.reference(pricing, acknowledged);
        Set<RollupId> afterKill = windowsWrittenOnlyAfter(trace, sentBeforeKill);
        assertThat(afterKill)
            .as("the trace has windows entirely published after the kill")
            .isNotEmpty();
        List<UsageRollup> rollups = FinalRollups.read(
            bootstrap, config.rollups(), reference.keySet(), Duration.ofMinutes(3));
        assertThat(cluster.node(victim).isRunning())
            .as("read while the killed node is still down")
            .isFalse();

        Map<RollupId, List<UsageRollup>> byId = rollups.stream()
            .collect(Collectors.groupingBy(RollupId::of, TreeMap::new, Collectors.toList()));
        assertThat(byId.keySet())
            .as("windows published after the kill were processed")
            .containsAll(afterKill);
        assertThat(byId.keySet())
            .as("one rollup per (window, dimensions), nothing missing, nothing invented")
            .containsExactlyInAnyOrderElementsOf(reference.keySet());
        assertThat(rollups).as("no rollup emitted twice").hasSize(reference.size());
        Map<RollupId, Totals> actual = new TreeMap<>();
        byId.forEach((id, copies) -> actual.put(id, Totals.of(copies.get(0))));
        assertThat(actual).isEqualTo(reference);
        assertThat(app.isAlive()).as("the app rode out the crash").isTrue();
        app.stop();

        cluster.node(victim).startProcess();
        Set<String> topics = appTopics(admin, config);
        await("node " + victim + " back in every ISR")
            .atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofSeconds(1))
            .until(() ->
                admin
                    .describeTopics(topics)
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS)
                    .values()
                    .stream()
                    .flatMap(d -> d.partitions().stream())
                    .allMatch(p -> p.isr().size() == 3));
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError(e.getMessage() + "\napp log " + dir.resolve("app.log"), e);
      }
    }
  }

  private static void assertReplicatedThreeTimesWithMinIsrTwo(Admin admin, AppConfig config)
      throws Exception {
    Set<String> topics = appTopics(admin, config);
    assertThat(topics)
        .contains(config.calls(), config.rollups())
        .anyMatch(t -> t.startsWith(config.applicationId()) && t.endsWith("-changelog"));
    Map<String, TopicDescription> descriptions =
        admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
    descriptions.forEach((name, d) -> assertThat(d.partitions())
        .as(name)
        .allSatisfy(p -> assertThat(p.replicas()).hasSize(3)));
    var configs = admin
        .describeConfigs(topics.stream()
            .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t))
            .toList())
        .all()
        .get(30, TimeUnit.SECONDS);
    configs.forEach((resource, c) ->
        assertThat(c.get("min.insync.replicas").value()).as(resource.name()).isEqualTo("2"));
  }

  /**
   * The active controller when it leads a partition of the calls topic, so that one crash moves the
   * quorum, the calls partitions it leads and a share of the app's other partitions at once;
   * otherwise the node leading the most of the app's partitions, internal ones included.
   */
  private static int victim(Admin admin, AppConfig config) throws Exception {
    Map<String, TopicDescription> topics =
        admin.describeTopics(appTopics(admin, config)).allTopicNames().get(30, TimeUnit.SECONDS);
    Map<Integer, Long> led = topics.values().stream()
        .flatMap(d -> d.partitions().stream())
        .map(TopicPartitionInfo::leader)
        .filter(n -> n != null && !n.isEmpty())
        .collect(Collectors.groupingBy(n -> n.id(), Collectors.counting()));
    int controller =
        admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId();
    boolean controllerLeadsCalls = topics.get(config.calls()).partitions().stream()
        .anyMatch(p -> p.leader() != null && p.leader().id() == controller);
    System.out.printf(
        "partitions led per node %s, active controller %d (leads calls partitions: %s)%n",
        led, controller, controllerLeadsCalls);
    if (controllerLeadsCalls) {
      return controller;
    }
    return led.entrySet().stream()
        .max(Comparator.comparingLong(Map.Entry::getValue))
        .orElseThrow()
        .getKey();
  }

  private static Set<String> appTopics(Admin admin, AppConfig config) throws Exception {
    return admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
        .filter(t -> t.equals(config.calls())
            || t.equals(config.rollups())
            || t.startsWith(config.applicationId()))
        .collect(Collectors.toSet());
  }

  /** Rollups all of whose events were handed to the producer after the first {@code sends}. */
  private static Set<RollupId> windowsWrittenOnlyAfter(CallTrace trace, int sends) {
    Set<RollupId> before =
        trace.sends().subList(0, sends).stream().map(RollupId::of).collect(Collectors.toSet());
    Set<RollupId> after = new HashSet<>();
    trace.sends().subList(sends, trace.sends().size()).forEach(e -> after.add(RollupId.of(e)));
    after.removeAll(before);
    return after;
  }

  /** Every record of the calls topic, by "partition@offset", read from the surviving replicas. */
  private static Map<String, Set<String>> eventIdsAtOffsets(String bootstrap, String topic) {
    Map<String, Set<String>> ids = new HashMap<>();
    for (ConsumerRecord<String, LlmCallEvent> r :
        CallsTopic.readAll(Map.of("bootstrap.servers", bootstrap), topic)) {
      ids.computeIfAbsent(
              new TopicPartition(r.topic(), r.partition()) + "@" + r.offset(), k -> new HashSet<>())
          .add(r.value().getEventId());
    }
    return ids;
  }
}
