package io.tokenmeter.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenmeter.app.CallTrace.RollupId;
import io.tokenmeter.app.CallTrace.Totals;
import io.tokenmeter.config.PricingSettings;
import io.tokenmeter.cost.Pricing;
import io.tokenmeter.cost.TablePricing;
import io.tokenmeter.router.RecordingWebhook;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.UsageRollup;
import io.tokenmeter.sdk.LlmCall;
import io.tokenmeter.sdk.Tokenmeter;
import io.tokenmeter.testkit.KafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker is killed (SIGKILL) and restarted on its data while the producer SDK (in this JVM,
 * with a small queue and a short delivery timeout), the app (a child process, exactly-once) and
 * its embedded alert router (delivering to a webhook here) keep running. Services record calls at a
 * steady rate before, during and after the outage; a few of them fail with 401, so that each phase
 * raises {@code unauthorized_key} alerts.
 *
 * <p>The SDK may lose calls during the outage (that is its contract: counted drops, never a
 * blocked caller); what it must not do is lose count. Downstream, "exact" means exact for what the
 * broker accepted, so the reference is computed from the calls topic as it is after the run.
 */
class BrokerRestartIT {

  private static final int CALLERS = 3;
  private static final int QUEUE_CAPACITY = 32;
  // Shorter than the broker's restart, so the SDK has to give up on what it held.
  private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(3);
  // Longer than the outage as the app sees it (kill, SDK drops, broker start: about 15 s), so the
  // wall clock closes no window while the broker is away; see docs/producer-sdk.md, broker outages.
  private static final Duration GRACE = Duration.ofSeconds(30);
  // Calls are stamped a minute in the past, so that once traffic stops every window can close
  // by the wall clock a grace period later, instead of up to a minute after that.
  private static final Duration EVENT_AGE = Duration.ofSeconds(60);
  private static final String SECRET = "broker-restart-it-fingerprint-secret-0123456789";
  private static final List<String> MODELS = List.of("gpt-4o", "gpt-4o-mini", "local-llama");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void sdkCountsEveryDropAndTheAppAndRouterResumeWithExactTotalsForWhatTheBrokerAccepted()
      throws Exception {
    RecordingWebhook webhook = RecordingWebhook.start();
    ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
    AtomicInteger maxQueued = new AtomicInteger();
    AtomicBoolean sampling = new AtomicBoolean(true);
    Set<String> recordedIds = ConcurrentHashMap.newKeySet();

    try (KafkaBroker broker = KafkaBroker.start()) {
      AppConfig config = AppConfig.create(broker.bootstrapServers(), dir, 4, GRACE);
      Pricing pricing = TablePricing.from(new PricingSettings(Optional.of(config.priceFile())));
      Map<String, String> appConfig =
          new TreeMap<>(config.instance("exactly_once_v2", dir.resolve("state")));
      appConfig.put("router.enabled", "true");
      appConfig.put("router.group.id", "router-" + config.applicationId());
      appConfig.put("topics.alerts.dead.letter", "llm.alerts.dlq." + config.applicationId());
      appConfig.put("router.webhook.url", webhook.url());
      appConfig.put("router.retry.initial.backoff", "100ms");
      appConfig.put("router.retry.max.backoff", "1s");
      // Now and then the restarted broker leaves a transaction of the app hanging
      // (docs/reliability.md);
      // the app aborts it after this long, which keeps the run well inside its timeouts.
      appConfig.put("kafka.abort.hanging.transactions.after", "5s");

      // INFO from the group coordination and Streams' thread, to see how the app got back after the
      // restart.
      AppProcess.Launch launch = AppProcess.Launch.RUN.withJvmOptions(
          "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.streams.processor.internals.StreamThread=info",
          "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients.consumer.internals.ConsumerCoordinator=info",
          "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients.consumer.internals.AbstractCoordinator=info",
          "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients.producer.internals.TransactionManager=info");
      try (AppProcess app = AppProcess.start("app", dir, appConfig, launch).awaitRunning();
          Tokenmeter sdk = Tokenmeter.builder()
              .bootstrapServers(broker.bootstrapServers())
              .topic(config.calls())
              .service("checkout")
              .environment("it")
              .fingerprintSecret(SECRET)
              .queueCapacity(QUEUE_CAPACITY)
              .deliveryTimeout(DELIVERY_TIMEOUT)
              // The worker waits this long for metadata per attempt while the broker is down.
              .producerProperty("max.block.ms", 200)
              .closeTimeout(Duration.ofSeconds(30))
              .build()) {
        Thread sampler = new Thread(
            () -> {
              while (sampling.get()) {
                maxQueued.accumulateAndGet(sdk.stats().queued(), Math::max);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
              }
            },
            "queue-sampler");
        sampler.setDaemon(true);
        sampler.start();

        // Before: the pipeline runs; the first alert reaching the webhook shows the router
        // delivers.
        phase(callers, sdk, recordedIds, "before", 120, 40).get(2, TimeUnit.MINUTES);
        await("an alert from before the outage reaches the webhook")
            .atMost(Duration.ofSeconds(90))
            .until(() -> !webhook.bodies().isEmpty());

        broker.kill();
        long killedAt = System.nanoTime();
        // During: the calls return at once although nothing can take them; the queue overflows, and
        // what it held is given up after the delivery timeout.
        phase(callers, sdk, recordedIds, "during", 200, 100).get(2, TimeUnit.MINUTES);
        assertThat(broker.isRunning())
            .as("every caller finished while the broker was down")
            .isFalse();
        await("the SDK drops for a full queue and for the delivery timeout")
            .atMost(Duration.ofSeconds(60))
            .until(() ->
                sdk.stats().droppedQueueFull() > 0 && sdk.stats().droppedBrokerUnavailable() > 0);
        Tokenmeter.Stats down = sdk.stats();

        broker.startProcess();
        System.out.printf(
            "broker restart: down for %d ms%n",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
        // After: the same SDK, producer and app, without a restart of either.
        phase(callers, sdk, recordedIds, "after", 120, 40).get(2, TimeUnit.MINUTES);
        assertThat(sdk.flush(Duration.ofSeconds(60)))
            .as("everything recorded has an outcome")
            .isTrue();
        sampling.set(false);
        sampler.join();

        Tokenmeter.Stats s = sdk.stats();
        System.out.printf(
            "broker restart: SDK during the outage %s; at the end %s; max queued %d%n",
            down.asMap(), s.asMap(), maxQueued.get());
        assertThat(s.recorded()).isEqualTo(CALLERS * (120 + 200 + 120));
        assertThat(s.recorded())
            .as("recorded = sent + dropped, by reason")
            .isEqualTo(s.sent()
                + s.droppedQueueFull()
                + s.droppedBrokerUnavailable()
                + s.droppedSerialization()
                + s.droppedInvalid()
                + s.droppedClosed());
        assertThat(s.droppedQueueFull()).isPositive();
        assertThat(s.droppedBrokerUnavailable()).isPositive();
        assertThat(s.droppedSerialization() + s.droppedInvalid() + s.droppedClosed())
            .isZero();
        assertThat(maxQueued.get())
            .as("the queue never held more than its capacity")
            .isLessThanOrEqualTo(QUEUE_CAPACITY);

        // What the broker accepted: the calls topic as it is now.
        List<LlmCallEvent> accepted = readAll(broker.bootstrapServers(), config.calls());
        Set<String> acceptedIds =
            accepted.stream().map(LlmCallEvent::getEventId).collect(Collectors.toSet());
        assertThat(accepted)
            .as("idempotence: no call written twice across the kill")
            .hasSize(acceptedIds.size());
        assertThat(recordedIds).containsAll(acceptedIds);
        assertThat(acceptedIds)
            .as("calls from before and after the outage got through")
            .anyMatch(id -> id.startsWith("before-"))
            .anyMatch(id -> id.startsWith("after-"));
        // A batch that was in flight when the broker died and then ran out of delivery time is
        // counted
        // broker_unavailable, yet may have been written before the kill: its outcome is unknown.
        assertThat((long) acceptedIds.size())
            .as("accepted calls against the SDK's sent count")
            .isBetween(s.sent(), s.sent() + s.droppedBrokerUnavailable());
        System.out.printf(
            "broker restart: %d calls in the topic (%d recorded during the outage), SDK sent %d%n",
            acceptedIds.size(),
            acceptedIds.stream().filter(id -> id.startsWith("during-")).count(),
            s.sent());

        CallTrace inTopic = new CallTrace(accepted, acceptedIds.size());
        Map<RollupId, Totals> reference = inTopic.reference(pricing);
        List<UsageRollup> rollups = FinalRollups.read(
            broker.bootstrapServers(), config.rollups(), reference.keySet(), Duration.ofMinutes(2));
        Map<RollupId, Totals> actual = new TreeMap<>();
        rollups.forEach(r -> actual.merge(RollupId.of(r), Totals.of(r), (a, b) -> {
          throw new AssertionError("two rollups for " + RollupId.of(r));
        }));
        assertThat(actual)
            .as("final rollups, exactly once, for every call the broker accepted")
            .isEqualTo(reference);

        // Every key that failed with 401 in an accepted call raised an alert the router delivered,
        // those from before the outage included.
        Set<String> expectedAlerts = accepted.stream()
            .filter(e -> Integer.valueOf(401).equals(e.getStatusCode()))
            .map(e -> "unauthorized_key:" + e.getApiKeyFingerprint())
            .collect(Collectors.toSet());
        assertThat(expectedAlerts).hasSizeGreaterThanOrEqualTo(2 * CALLERS);
        await("every unauthorized_key alert reaches the webhook")
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(() -> assertThat(firing(webhook.bodies())).containsAll(expectedAlerts));
        System.out.printf(
            "broker restart: %d unauthorized_key alerts expected, %d FIRING notifications received%n",
            expectedAlerts.size(),
            firing(webhook.bodies()).stream()
                .filter(k -> k.startsWith("unauthorized_key:"))
                .count());
        assertThat(app.isAlive())
            .as("the app rode out the outage without a restart")
            .isTrue();
        String appLog = Files.readString(app.log());
        assertThat(appLog).doesNotContain("-> ERROR").doesNotContain("alert router stopped");
        System.out.printf(
            "broker restart: the app aborted %d hanging transactions%n",
            appLog
                .lines()
                .filter(l -> l.contains("Aborted a hanging transaction"))
                .count());
      } catch (AssertionError | RuntimeException e) {
        // The temporary directory goes with the test; keep the app's log (INFO on group
        // coordination
        // and transactions) where a CI run leaves its reports.
        Path kept = Path.of("target", "failsafe-reports", "BrokerRestartIT-app.log");
        Files.createDirectories(kept.getParent());
        Path keptBroker = kept.resolveSibling("BrokerRestartIT-broker.log");
        Files.copy(dir.resolve("app.log"), kept, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(broker.logFile(), keptBroker, StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(
            kept.resolveSibling("BrokerRestartIT-open-transactions.txt"),
            openTransactions(broker.bootstrapServers()));
        throw new AssertionError(
            e.getMessage() + "\nlogs kept as " + kept.toAbsolutePath() + " and " + keptBroker, e);
      }
    } finally {
      sampling.set(false);
      callers.shutdownNow();
      webhook.close();
    }
  }

  /**
   * Each caller records {@code perCaller} calls at {@code perSecond}; its first and last calls of the
   * phase fail with 401 under a key of their own. Completes when every caller has returned from all
   * its record() calls.
   */
  private static CompletableFuture<Void> phase(
      ExecutorService callers,
      Tokenmeter sdk,
      Set<String> recordedIds,
      String name,
      int perCaller,
      int perSecond) {
    long interval = TimeUnit.SECONDS.toNanos(1) / perSecond;
    CompletableFuture<?>[] done = IntStream.range(0, CALLERS)
        .mapToObj(c -> CompletableFuture.runAsync(
            () -> {
              Random random = new Random(name.hashCode() * 31L + c);
              long next = System.nanoTime();
              for (int i = 0; i < perCaller; i++) {
                String id = name + "-" + c + "-" + i;
                boolean unauthorized = i == 0 || i == perCaller - 1;
                LlmCall.Builder call = LlmCall.builder()
                    .eventId(id)
                    .timestamp(Instant.now().minus(EVENT_AGE))
                    .provider("openai")
                    .operation("chat")
                    .requestModel(MODELS.get(random.nextInt(MODELS.size())))
                    .orgId("org-" + random.nextInt(3))
                    .projectId("proj-" + random.nextInt(2))
                    .apiKey(
                        unauthorized
                            ? "sk-proj-" + name + "-" + c + "-REVOKEDKEY0000000000000000" + i
                            : "sk-proj-broker-restart-it-good-key-000000000000")
                    .durationMs(100 + random.nextInt(900));
                if (unauthorized) {
                  call.statusCode(401);
                } else {
                  call.statusCode(200)
                      .inputTokens(10 + random.nextInt(2000))
                      .outputTokens(1 + random.nextInt(500));
                }
                recordedIds.add(id);
                sdk.record(call.build());
                // Pacing only: callers arrive at a steady rate, as a service's requests do.
                next += interval;
                LockSupport.parkNanos(next - System.nanoTime());
              }
            },
            callers))
        .toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(done);
  }

  /**
   * Partitions whose last stable offset lags their end, with the producers that hold them open: what
   * a read_committed reader (a restoring task) would wait on.
   */
  private static String openTransactions(String bootstrapServers) {
    StringBuilder out = new StringBuilder();
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
      Map<TopicPartition, OffsetSpec> all = new HashMap<>();
      for (TopicDescription t : admin
          .describeTopics(admin
              .listTopics(new ListTopicsOptions().listInternal(true))
              .names()
              .get(30, TimeUnit.SECONDS))
          .allTopicNames()
          .get(30, TimeUnit.SECONDS)
          .values()) {
        t.partitions()
            .forEach(
                p -> all.put(new TopicPartition(t.name(), p.partition()), OffsetSpec.latest()));
      }
      var end = admin.listOffsets(all).all().get(30, TimeUnit.SECONDS);
      var stable = admin
          .listOffsets(all, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
          .all()
          .get(30, TimeUnit.SECONDS);
      List<TopicPartition> open = all.keySet().stream()
          .filter(tp -> stable.get(tp).offset() < end.get(tp).offset())
          .sorted(Comparator.comparing(TopicPartition::toString))
          .toList();
      out.append(open.size()).append(" partitions with last stable offset < end offset\n");
      var producers = admin.describeProducers(open).all().get(30, TimeUnit.SECONDS);
      for (TopicPartition tp : open) {
        out.append(tp)
            .append(": stable ")
            .append(stable.get(tp).offset())
            .append(", end ")
            .append(end.get(tp).offset())
            .append(", producers ")
            .append(producers.get(tp).activeProducers())
            .append('\n');
      }
      out.append("transactions: ")
          .append(admin.listTransactions().all().get(30, TimeUnit.SECONDS))
          .append('\n');
    } catch (Exception e) {
      out.append("could not describe: ").append(e);
    }
    return out.toString();
  }

  /** The dedup keys of the FIRING notifications the webhook received, repeats included. */
  private static List<String> firing(List<String> bodies) {
    List<String> keys = new ArrayList<>();
    for (String body : bodies) {
      JsonNode alert = readJson(body).get("alerts").get(0);
      if (alert.get("status").asText().equals("firing")) {
        keys.add(alert.get("fingerprint").asText());
      }
    }
    return keys;
  }

  private static JsonNode readJson(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException("the webhook received a body that is not JSON", e);
    }
  }

  /** Every record of {@code topic}, read to its end offsets. */
  private static List<LlmCallEvent> readAll(String bootstrapServers, String topic) {
    return CallsTopic.readAll(Map.of("bootstrap.servers", bootstrapServers), topic).stream()
        .map(ConsumerRecord::value)
        .toList();
  }
}
