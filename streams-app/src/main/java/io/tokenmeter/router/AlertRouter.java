package io.tokenmeter.router;

import io.tokenmeter.app.TopicCreation;
import io.tokenmeter.config.RouterSettings;
import io.tokenmeter.config.TokenmeterConfig;
import io.tokenmeter.http.Health;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers every alert state change on {@code topics.alerts} to the receivers its routes select,
 * at least once and in order per dedup key.
 *
 * <p>One consumer thread reads the alerts topic in a consumer group ({@code router.group.id}),
 * {@code read_committed}. Each partition is worked strictly in offset order: a record is finished
 * when every selected receiver has accepted it (HTTP 2xx) or refused it for good (a 4xx other
 * than 429, which writes it to {@code topics.alerts.dead.letter}), and only then is its offset
 * committed and the next record of the partition started. A receiver that fails with 429, 5xx or a
 * network error is retried with backoff, for as long as it takes; receivers that already accepted
 * the record are not sent it again. While a partition waits, it is paused and the consumer keeps
 * polling, so the router stays in its group however long a receiver is down.
 *
 * <pre>{@code
 * try (AlertRouter router = AlertRouter.create(config).start()) {
 *   ...
 * }
 * }</pre>
 */
public final class AlertRouter implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AlertRouter.class);

  /** Longest poll while waiting; short, so that close and due retries are prompt. */
  static final Duration MAX_IDLE_POLL = Duration.ofMillis(200);

  /** Return to poll() at least this often while delivering, well inside max.poll.interval.ms. */
  static final Duration DELIVERY_BUDGET = Duration.ofSeconds(10);

  private final TokenmeterConfig config;
  private final RouterSettings settings;
  private final Map<String, Receiver> receivers = new LinkedHashMap<>();
  private final Routes routes;
  private final Backoff backoff;
  private final Clock clock;
  private final Deserializer<Alert> alerts;

  /** Fetched records not yet finished, per partition, in offset order. */
  private final Map<TopicPartition, ArrayDeque<ConsumerRecord<byte[], byte[]>>> pending =
      new HashMap<>();
  /** The head record of each partition that has been started. */
  private final Map<TopicPartition, InFlight> inFlight = new HashMap<>();
  /** Finished offsets whose commit has not succeeded yet. */
  private final Map<TopicPartition, OffsetAndMetadata> uncommitted = new HashMap<>();
  /** How many finished records each entry of {@link #uncommitted} stands for. */
  private final Map<TopicPartition, Integer> uncommittedRecords = new HashMap<>();

  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong deadLettered = new AtomicLong();
  private final AtomicLong committed = new AtomicLong();
  private final CountDownLatch finished = new CountDownLatch(1);

  private volatile boolean running;
  private volatile Throwable failure;
  private Consumer<byte[], byte[]> consumer;
  private AlertDeadLetters deadLetters;
  private Thread thread;

  AlertRouter(
      TokenmeterConfig config, List<Receiver> receivers, Clock clock, DoubleSupplier random) {
    this.config = config;
    this.settings = config.router();
    receivers.forEach(r -> this.receivers.put(r.name(), r));
    this.routes = new Routes(settings.routes(), List.copyOf(this.receivers.keySet()));
    this.backoff = new Backoff(settings.retry(), random);
    this.clock = clock;
    this.alerts = new AvroDeserializer<>(Alert.class, avroSerdeConfig(config));
  }

  /**
   * A router for the receivers {@code config} configures ({@code router.pagerduty.*}, {@code
   * router.webhook.*}). Not started.
   */
  public static AlertRouter create(TokenmeterConfig config) {
    RouterSettings router = config.router();
    Clock clock = Clock.systemUTC();
    HttpClient http = JsonPost.newClient(router.requestTimeout());
    JsonPost post = new JsonPost(http, router.requestTimeout(), clock);
    List<Receiver> receivers = new ArrayList<>();
    router.pagerDuty().ifPresent(pd -> receivers.add(new PagerDutyReceiver(pd, post)));
    router.webhook().ifPresent(webhook -> receivers.add(new WebhookReceiver(webhook, post)));
    return new AlertRouter(
        config, receivers, clock, () -> ThreadLocalRandom.current().nextDouble());
  }

  /**
   * Creates the alerts and dead-letter topics if missing, joins the consumer group and starts
   * delivering on a thread of its own.
   *
   * @throws IllegalStateException when no receiver is configured, or topics cannot be created
   */
  public synchronized AlertRouter start() {
    if (thread != null) {
      throw new IllegalStateException("already started");
    }
    if (receivers.isEmpty()) {
      throw new IllegalStateException(
          "no receiver is configured: set router.pagerduty.routing.key"
              + " (TOKENMETER_ROUTER_PAGERDUTY_ROUTING_KEY) or router.webhook.url (TOKENMETER_ROUTER_WEBHOOK_URL)");
    }
    try (Admin client = Admin.create(adminProperties())) {
      Map<String, Duration> topics = new LinkedHashMap<>();
      topics.put(config.topics().alerts(), config.topics().outputRetention());
      topics.put(settings.deadLetterTopic(), config.topics().outputRetention());
      TopicCreation.createMissing(client, config.topics(), topics);
    }
    return start(
        new KafkaConsumer<>(
            consumerProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer()),
        new KafkaProducer<>(
            producerProperties(), new ByteArraySerializer(), new ByteArraySerializer()));
  }

  /** Starts the delivery thread on these clients, which the router closes when it stops. */
  synchronized AlertRouter start(
      Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer) {
    if (thread != null) {
      throw new IllegalStateException("already started");
    }
    this.consumer = consumer;
    this.deadLetters = new AlertDeadLetters(producer, settings.deadLetterTopic(), clock);
    running = true;
    thread = new Thread(this::run, "tokenmeter-router");
    thread.setDaemon(true);
    thread.start();
    LOG.info(
        "alert router started: {} -> {} (group {}, {} routing rule(s))",
        config.topics().alerts(),
        receivers.keySet(),
        settings.groupId(),
        settings.routes().size());
    return this;
  }

  /**
   * Stops after the delivery attempt in progress, commits what was accepted and leaves the group;
   * true if that took less than {@code timeout}.
   */
  public boolean close(Duration timeout) {
    Thread t;
    synchronized (this) {
      t = thread;
      if (t == null) {
        return true;
      }
      running = false;
      consumer.wakeup();
    }
    try {
      return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }

  /** Blocks until the router has stopped: closed, or failed (see {@link #failure()}). */
  public void awaitStopped() throws InterruptedException {
    finished.await();
  }

  /** Why the router stopped by itself, if it did: for example Kafka refused the consumer. */
  public Optional<Throwable> failure() {
    return Optional.ofNullable(failure);
  }

  /**
   * For {@code /health}: up from start until it stops. A receiver being down is not the router's
   * ill health: waiting for it, and keeping the backlog, is its job.
   */
  public synchronized Health health() {
    if (failure != null) {
      return new Health(false, "FAILED");
    }
    if (running && finished.getCount() > 0) {
      return new Health(true, "RUNNING");
    }
    return new Health(false, thread == null ? "CREATED" : "STOPPED");
  }

  /** Deliveries receivers accepted (one per receiver and record). */
  public long delivered() {
    return delivered.get();
  }

  /** Deliveries that went to the dead-letter topic instead. */
  public long deadLettered() {
    return deadLettered.get();
  }

  /** Alert records finished and committed. */
  public long committed() {
    return committed.get();
  }

  private void run() {
    try {
      consumer.subscribe(List.of(config.topics().alerts()), new Rebalance());
      while (running) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(nextPollTimeout());
        commitPending();
        for (TopicPartition tp : records.partitions()) {
          pending.computeIfAbsent(tp, k -> new ArrayDeque<>()).addAll(records.records(tp));
        }
        pauseBusyPartitions();
        deliverDue();
      }
    } catch (WakeupException e) {
      if (running) {
        failure = e;
      }
    } catch (RuntimeException | Error e) {
      failure = e;
      LOG.error("alert router stopped: {}", e.toString(), e);
    } finally {
      running = false;
      try {
        commitUncommitted();
      } catch (RuntimeException e) {
        LOG.warn(
            "could not commit the last accepted offsets ({}); those alerts may be delivered again",
            e.toString());
      }
      try {
        consumer.close();
      } finally {
        deadLetters.close();
        finished.countDown();
        LOG.info(
            "alert router stopped: {} delivered, {} dead-lettered, {} records committed",
            delivered.get(),
            deadLettered.get(),
            committed.get());
      }
    }
  }

  /** Zero when a record can be worked on now; otherwise until the earliest retry, capped. */
  private Duration nextPollTimeout() {
    Instant now = clock.instant();
    Duration wait = MAX_IDLE_POLL;
    for (Map.Entry<TopicPartition, ArrayDeque<ConsumerRecord<byte[], byte[]>>> e :
        pending.entrySet()) {
      if (e.getValue().isEmpty()) {
        continue;
      }
      InFlight head = inFlight.get(e.getKey());
      if (head == null || !head.dueAt.isAfter(now)) {
        return Duration.ZERO;
      }
      Duration untilDue = Duration.between(now, head.dueAt);
      if (untilDue.compareTo(wait) < 0) {
        wait = untilDue;
      }
    }
    return wait;
  }

  /** Fetch nothing more for a partition until its queue is worked off; memory stays bounded. */
  private void pauseBusyPartitions() {
    List<TopicPartition> busy = new ArrayList<>();
    List<TopicPartition> idle = new ArrayList<>();
    for (TopicPartition tp : consumer.assignment()) {
      ArrayDeque<ConsumerRecord<byte[], byte[]>> queue = pending.get(tp);
      (queue == null || queue.isEmpty() ? idle : busy).add(tp);
    }
    consumer.pause(busy);
    consumer.resume(idle);
  }

  /** Works the head record of each partition, round robin, until nothing is due or the budget is spent. */
  private void deliverDue() {
    Instant budgetEnd = clock.instant().plus(DELIVERY_BUDGET);
    boolean progress = true;
    while (running && progress && clock.instant().isBefore(budgetEnd)) {
      progress = false;
      for (TopicPartition tp : new ArrayList<>(pending.keySet())) {
        ArrayDeque<ConsumerRecord<byte[], byte[]>> queue = pending.get(tp);
        if (!running || !clock.instant().isBefore(budgetEnd)) {
          return;
        }
        if (queue == null || queue.isEmpty()) {
          continue;
        }
        InFlight head =
            inFlight.computeIfAbsent(tp, k -> new InFlight(queue.peek(), clock.instant()));
        if (head.dueAt.isAfter(clock.instant())) {
          continue;
        }
        if (attempt(head)) {
          queue.poll();
          inFlight.remove(tp);
          commit(tp, head.record.offset() + 1);
          progress = true;
        }
      }
    }
  }

  /** One attempt at every receiver still owed the record; true when none is left. */
  private boolean attempt(InFlight f) {
    if (f.remaining == null) {
      try {
        f.alert = alerts.deserialize(f.record.topic(), f.record.headers(), f.record.value());
        if (f.alert == null) {
          throw new IllegalArgumentException("the value is null");
        }
      } catch (RuntimeException e) {
        try {
          deadLetters.malformed(f.record, e);
          deadLettered.incrementAndGet();
          LOG.warn(
              "{}-{}@{} is not an Alert ({}); written to {}",
              f.record.topic(),
              f.record.partition(),
              f.record.offset(),
              e.toString(),
              settings.deadLetterTopic());
          return true;
        } catch (AlertDeadLetters.DeadLetterException d) {
          retryLater(f, "dead letter", Optional.empty(), d.getMessage());
          return false;
        }
      }
      f.remaining = new ArrayList<>(routes.select(f.alert));
      if (f.remaining.isEmpty()) {
        LOG.info(
            "no routing rule matches {} {} (severity {}, type {}); not delivered",
            f.alert.getState(),
            f.alert.getDedupKey(),
            f.alert.getSeverity(),
            f.alert.getAlertType());
        return true;
      }
    }
    Optional<Duration> retryAfter = Optional.empty();
    List<String> failures = new ArrayList<>();
    for (Iterator<String> it = f.remaining.iterator(); it.hasNext(); ) {
      String name = it.next();
      Delivery delivery = receivers.get(name).deliver(f.alert);
      if (delivery instanceof Delivery.Accepted) {
        it.remove();
        delivered.incrementAndGet();
        LOG.debug("{} accepted {} {}", name, f.alert.getState(), f.alert.getDedupKey());
      } else if (delivery instanceof Delivery.Rejected rejected) {
        try {
          deadLetters.rejected(f.record, name, rejected);
          it.remove();
          deadLettered.incrementAndGet();
          LOG.warn(
              "{} refused {} {} with HTTP {}; written to {} and not retried",
              name,
              f.alert.getState(),
              f.alert.getDedupKey(),
              rejected.status(),
              settings.deadLetterTopic());
        } catch (AlertDeadLetters.DeadLetterException e) {
          failures.add(name + ": HTTP " + rejected.status() + ", and " + e.getMessage());
        }
      } else if (delivery instanceof Delivery.RetryLater later) {
        failures.add(name + ": " + later.reason());
        if (later.retryAfter().isPresent()
            && (retryAfter.isEmpty() || later.retryAfter().get().compareTo(retryAfter.get()) > 0)) {
          retryAfter = later.retryAfter();
        }
      }
    }
    if (f.remaining.isEmpty()) {
      return true;
    }
    retryLater(f, String.join(", ", f.remaining), retryAfter, String.join("; ", failures));
    return false;
  }

  private void retryLater(InFlight f, String who, Optional<Duration> retryAfter, String reason) {
    f.attempts++;
    Duration delay = backoff.delay(f.attempts, retryAfter);
    f.dueAt = clock.instant().plus(delay);
    LOG.warn(
        "{} not delivered to {} ({}); attempt {}, next in {} ms{}",
        f.alert == null
            ? f.record.topic() + "-" + f.record.partition() + "@" + f.record.offset()
            : f.alert.getState() + " " + f.alert.getDedupKey(),
        who,
        reason,
        f.attempts,
        delay.toMillis(),
        retryAfter.isPresent() ? " (Retry-After)" : "");
  }

  private void commit(TopicPartition tp, long nextOffset) {
    uncommitted.put(tp, new OffsetAndMetadata(nextOffset));
    uncommittedRecords.merge(tp, 1, Integer::sum);
    commitPending();
  }

  /**
   * Commits every finished offset not committed yet: the record just finished, and any whose commit
   * timed out before.
   */
  private void commitPending() {
    if (uncommitted.isEmpty()) {
      return;
    }
    try {
      commitUncommitted();
    } catch (CommitFailedException | RebalanceInProgressException e) {
      // The partition is moving to another member, which starts after the last commit: the alert
      // is delivered again there (at least once), never lost.
      LOG.warn(
          "commit of {} failed during a rebalance ({}); its alerts may be delivered again",
          uncommitted.keySet(),
          e.toString());
      uncommitted.clear();
      uncommittedRecords.clear();
    } catch (TimeoutException e) {
      // Kafka has been away for default.api.timeout.ms. Giving up here would stop the router for
      // good (inside `run` nothing restarts it); the receivers already have these alerts, so keep
      // the offsets and commit them after the next poll. A crash meanwhile only repeats them.
      LOG.warn(
          "commit of {} timed out ({}); retrying after the next poll",
          uncommitted.keySet(),
          e.getMessage());
    }
  }

  /**
   * Commits what an interrupted or timed-out commit left behind (close wakes the consumer, which can
   * interrupt the commit of the record just accepted).
   */
  private void commitUncommitted() {
    if (!uncommitted.isEmpty()) {
      consumer.commitSync(new HashMap<>(uncommitted));
      committed.addAndGet(
          uncommittedRecords.values().stream().mapToInt(Integer::intValue).sum());
      uncommitted.clear();
      uncommittedRecords.clear();
    }
  }

  /** The connection and security settings of {@code kafka.*} that an admin client understands. */
  Map<String, Object> adminProperties() {
    Map<String, Object> admin = new HashMap<>();
    config.kafka().clientProperties().forEach((k, v) -> {
      if (AdminClientConfig.configNames().contains(k)) {
        admin.put(k, v);
      }
    });
    return admin;
  }

  Map<String, Object> consumerProperties() {
    Map<String, Object> props = new HashMap<>(config.kafka().clientProperties());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "tokenmeter-router");
    // Offsets move only when a receiver accepted; auto-commit would move them on a timer.
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // A new group starts with the oldest alert still kept, not with whatever comes next.
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // The streams app writes alerts in transactions; aborted ones are not alerts.
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    return props;
  }

  Map<String, Object> producerProperties() {
    Map<String, Object> props = new HashMap<>(config.kafka().clientProperties());
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "tokenmeter-router-dlq");
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    return props;
  }

  static AvroSerdeConfig avroSerdeConfig(TokenmeterConfig config) {
    return config
        .kafka()
        .schemaRegistryUrl()
        .filter(url -> !url.isBlank())
        .map(AvroSerdeConfig::withRegistry)
        .orElseGet(AvroSerdeConfig::withoutRegistry);
  }

  /** Drops the work of partitions that move away; the new owner starts after their last commit. */
  private final class Rebalance implements ConsumerRebalanceListener {

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      Map<TopicPartition, OffsetAndMetadata> mine = new HashMap<>();
      int records = 0;
      for (TopicPartition tp : partitions) {
        OffsetAndMetadata offset = uncommitted.remove(tp);
        Integer count = uncommittedRecords.remove(tp);
        if (offset != null) {
          mine.put(tp, offset);
          records += count == null ? 0 : count;
        }
      }
      if (!mine.isEmpty()) {
        try {
          consumer.commitSync(mine);
          committed.addAndGet(records);
        } catch (RuntimeException e) {
          LOG.warn(
              "commit on revocation failed ({}); those alerts may be delivered again",
              e.toString());
        }
      }
      forget(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      partitions.forEach(uncommitted::remove);
      partitions.forEach(uncommittedRecords::remove);
      forget(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (!partitions.isEmpty()) {
        LOG.info("alert router assigned {}", partitions);
      }
    }

    private void forget(Collection<TopicPartition> partitions) {
      for (TopicPartition tp : partitions) {
        pending.remove(tp);
        InFlight dropped = inFlight.remove(tp);
        if (dropped != null && dropped.alert != null) {
          LOG.info(
              "{} {} is unfinished as {} is given up; it is delivered from its last commit by the next owner",
              dropped.alert.getState(),
              dropped.alert.getDedupKey(),
              tp);
        }
      }
    }
  }

  /** The record a partition is working on, and which receivers still owe it an acceptance. */
  private static final class InFlight {
    final ConsumerRecord<byte[], byte[]> record;
    Alert alert;
    /** Null until the record is decoded and routed. */
    List<String> remaining;

    int attempts;
    Instant dueAt;

    InFlight(ConsumerRecord<byte[], byte[]> record, Instant now) {
      this.record = record;
      this.dueAt = now;
    }
  }
}
