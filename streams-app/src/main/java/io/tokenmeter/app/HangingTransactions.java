package io.tokenmeter.app;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeProducersResult;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.AuthorizationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds transactions this app left open on its own topics that no transaction coordinator will
 * ever finish, and aborts them: the "hanging transactions" of KIP-664, handled the way {@code
 * kafka-transactions.sh find-hanging} and {@code abort} would, without waiting for an operator.
 *
 * <p>Why: an open transaction holds its partition's last stable offset, and every {@code
 * read_committed} reader stops there. Under exactly-once that includes Kafka Streams restoring a
 * store from its changelog, which then never finishes, and the app never processes again.
 * Normally the coordinator completes or aborts every transaction it started. We saw it fail to
 * after a SIGKILL of a single-node broker, whose coordinator came back past the transaction
 * without its partitions (docs/reliability.md).
 *
 * <p>A transaction is aborted only when all of these hold, so a live one never is:
 *
 * <ul>
 *   <li>its partition leader has reported it open, with the same producer id, epoch and first
 *       offset, for at least {@code kafka.abort.hanging.transactions.after};
 *   <li>its producer id belongs to one of this app's transactional ids (Streams names them
 *       {@code <application.id>-<process id>-<thread>});
 *   <li>that id's coordinator has moved past it: it is idle, done, or in a new transaction, under a
 *       newer epoch or another producer id. While a commit or abort is being written the
 *       coordinator still owes its markers, so the sweep waits;
 *   <li>the leader still reports it open just before the abort. A marker for an epoch the
 *       partition has since left is refused by the broker, so the race after this check is
 *       harmless.
 * </ul>
 *
 * <p>Open transactions of producers that are not this app's are only reported, once, with the
 * command that would abort them.
 */
final class HangingTransactions implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(HangingTransactions.class);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
  private static final Duration MIN_PERIOD = Duration.ofSeconds(1);
  /** Coordinator states with no markers still to send. */
  private static final Set<TransactionState> SETTLED = Set.of(
      TransactionState.EMPTY,
      TransactionState.ONGOING,
      TransactionState.COMPLETE_COMMIT,
      TransactionState.COMPLETE_ABORT);

  /** A transaction open on one partition, as its leader reports it. */
  record OpenTransaction(
      TopicPartition partition,
      long producerId,
      int producerEpoch,
      long firstOffset,
      int coordinatorEpoch) {

    @Override
    public String toString() {
      return partition + " producer id " + producerId + " epoch " + producerEpoch + " from offset "
          + firstOffset;
    }
  }

  private final Admin admin;
  private final String applicationId;
  private final Set<String> outputTopics;
  private final Duration abortAfter;
  private final Map<OpenTransaction, Instant> firstSeen = new HashMap<>();
  private final Set<OpenTransaction> reported = new HashSet<>();
  private ScheduledExecutorService executor;

  HangingTransactions(
      Admin admin, String applicationId, Set<String> outputTopics, Duration abortAfter) {
    this.admin = admin;
    this.applicationId = applicationId;
    this.outputTopics = Set.copyOf(outputTopics);
    this.abortAfter = abortAfter;
  }

  /**
   * Sweeps every {@code abortAfter / 2} (at least a second) on a daemon thread of its own until
   * {@link #close()}; the admin client is created here and closed there.
   */
  static HangingTransactions watch(
      Properties adminProperties,
      String applicationId,
      Set<String> outputTopics,
      Duration abortAfter) {
    HangingTransactions watch = new HangingTransactions(
        Admin.create(adminProperties), applicationId, outputTopics, abortAfter);
    Duration period =
        abortAfter.dividedBy(2).compareTo(MIN_PERIOD) < 0 ? MIN_PERIOD : abortAfter.dividedBy(2);
    watch.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "hanging-transactions");
      t.setDaemon(true);
      return t;
    });
    watch.executor.scheduleWithFixedDelay(
        watch::sweepLogged, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    return watch;
  }

  private void sweepLogged() {
    try {
      sweep();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      // The broker may be away; the next sweep asks again.
      LOG.debug("hanging-transaction sweep did not complete: {}", e.toString());
    }
  }

  /** One pass: returns the transactions it aborted. */
  List<OpenTransaction> sweep() throws InterruptedException, ExecutionException, TimeoutException {
    Instant now = Instant.now();
    Set<OpenTransaction> open = openTransactions(watchedPartitions());
    firstSeen.keySet().retainAll(open);
    reported.retainAll(open);
    for (OpenTransaction o : open) {
      firstSeen.putIfAbsent(o, now);
    }
    List<OpenTransaction> due = open.stream()
        .filter(o -> !reported.contains(o))
        .filter(o -> Duration.between(firstSeen.get(o), now).compareTo(abortAfter) >= 0)
        .toList();
    if (due.isEmpty()) {
      return List.of();
    }
    Map<Long, String> ownIds = ownTransactionalIds(
        due.stream().map(OpenTransaction::producerId).collect(Collectors.toSet()));
    Map<String, TransactionDescription> coordinators = ownIds.isEmpty()
        ? Map.of()
        : await(admin.describeTransactions(new TreeSet<>(ownIds.values())).all());
    List<OpenTransaction> hanging = new ArrayList<>();
    for (OpenTransaction o : due) {
      String transactionalId = ownIds.get(o.producerId());
      if (transactionalId == null) {
        reported.add(o);
        LOG.warn(
            "A transaction has been open on {} for over {} and its producer id belongs to none of this app's"
                + " transactional ids, so the app leaves it alone. If it holds up readers, find its owner or abort it with: kafka-transactions.sh"
                + " --bootstrap-server <brokers> abort --topic {} --partition {} --start-offset {}",
            o,
            abortAfter,
            o.partition().topic(),
            o.partition().partition(),
            o.firstOffset());
      } else if (coordinatorIsPast(o, coordinators.get(transactionalId))) {
        hanging.add(o);
      }
    }
    Set<OpenTransaction> stillOpen = hanging.isEmpty()
        ? Set.of()
        : openTransactions(
            hanging.stream().map(OpenTransaction::partition).collect(Collectors.toSet()));
    List<OpenTransaction> aborted = new ArrayList<>();
    for (OpenTransaction o : hanging) {
      if (!stillOpen.contains(o)) {
        continue;
      }
      TransactionDescription current = coordinators.get(ownIds.get(o.producerId()));
      try {
        await(admin
            .abortTransaction(new AbortTransactionSpec(
                o.partition(), o.producerId(), (short) o.producerEpoch(), o.coordinatorEpoch()))
            .all());
      } catch (ExecutionException | TimeoutException e) {
        Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
        boolean denied = cause instanceof AuthorizationException;
        if (denied) {
          reported.add(o);
        }
        LOG.warn(
            "Could not abort the hanging transaction on {} ({}){}. To abort it by hand: kafka-transactions.sh"
                + " --bootstrap-server <brokers> abort --topic {} --partition {} --start-offset {}",
            o,
            cause.toString(),
            denied
                ? "; the app's principal needs Alter on the Cluster (KIP-1037) for this"
                : "; the next sweep tries again",
            o.partition().topic(),
            o.partition().partition(),
            o.firstOffset());
        continue;
      }
      firstSeen.remove(o);
      aborted.add(o);
      LOG.warn(
          "Aborted a hanging transaction on {}: it was open for over {}, while the coordinator of {} is at"
              + " producer id {} epoch {} ({}) and will never finish it. Readers of the partition, and state"
              + " restoration from it, were held up behind it.",
          o,
          abortAfter,
          ownIds.get(o.producerId()),
          current.producerId(),
          current.producerEpoch(),
          current.state());
    }
    return aborted;
  }

  /**
   * True when the coordinator has no commit or abort of this transaction left to write: it is in
   * no transaction or a new one, under a newer epoch or another producer id. A null description (the
   * id is gone) counts as not past: nothing proves it.
   */
  static boolean coordinatorIsPast(OpenTransaction open, TransactionDescription coordinator) {
    if (coordinator == null || !SETTLED.contains(coordinator.state())) {
      return false;
    }
    return coordinator.producerId() != open.producerId()
        || coordinator.producerEpoch() > open.producerEpoch();
  }

  /** The app's changelog and repartition topics, and the output topics it writes in transactions. */
  private Set<TopicPartition> watchedPartitions()
      throws InterruptedException, ExecutionException, TimeoutException {
    String prefix = applicationId + "-";
    Set<String> topics = await(admin.listTopics().names()).stream()
        .filter(t -> outputTopics.contains(t)
            || (t.startsWith(prefix) && (t.endsWith("-changelog") || t.endsWith("-repartition"))))
        .collect(Collectors.toSet());
    if (topics.isEmpty()) {
      return Set.of();
    }
    Set<TopicPartition> partitions = new HashSet<>();
    for (TopicDescription d :
        await(admin.describeTopics(topics).allTopicNames()).values()) {
      for (TopicPartitionInfo p : d.partitions()) {
        partitions.add(new TopicPartition(d.name(), p.partition()));
      }
    }
    return partitions;
  }

  /** Partitions whose leader does not answer now are skipped; the next sweep asks again. */
  private Set<OpenTransaction> openTransactions(Collection<TopicPartition> partitions)
      throws InterruptedException {
    if (partitions.isEmpty()) {
      return Set.of();
    }
    DescribeProducersResult result = admin.describeProducers(partitions);
    Set<OpenTransaction> open = new HashSet<>();
    for (TopicPartition tp : partitions) {
      List<ProducerState> producers;
      try {
        producers = await(result.partitionResult(tp)).activeProducers();
      } catch (ExecutionException | TimeoutException e) {
        continue;
      }
      for (ProducerState p : producers) {
        if (p.currentTransactionStartOffset().isPresent()) {
          open.add(new OpenTransaction(
              tp,
              p.producerId(),
              p.producerEpoch(),
              p.currentTransactionStartOffset().getAsLong(),
              p.coordinatorEpoch().orElse(0)));
        }
      }
    }
    return open;
  }

  /** Producer id to transactional id, for this app's ids only. Fails if any coordinator does not answer. */
  private Map<Long, String> ownTransactionalIds(Set<Long> producerIds)
      throws InterruptedException, ExecutionException, TimeoutException {
    Collection<TransactionListing> listings = await(admin
        .listTransactions(new ListTransactionsOptions().filterProducerIds(producerIds))
        .all());
    Map<Long, String> own = new LinkedHashMap<>();
    for (TransactionListing l : listings) {
      if (l.transactionalId().startsWith(applicationId + "-")) {
        own.put(l.producerId(), l.transactionalId());
      }
    }
    return own;
  }

  private static <T> T await(KafkaFuture<T> future)
      throws InterruptedException, ExecutionException, TimeoutException {
    return future.get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    if (executor != null) {
      executor.shutdownNow();
      try {
        executor.awaitTermination(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    admin.close(Duration.ofSeconds(5));
  }
}
