package io.tokenmeter.sdk.internal;

import io.tokenmeter.sdk.internal.Counters.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bounded queue between the callers and Kafka, and the worker thread that drains it, in the
 * manner of OpenTelemetry's BatchSpanProcessor.
 *
 * <p>{@link #offer} is the only method callers' threads run on the hot path: it counts, offers to
 * an {@link ArrayBlockingQueue} (no allocation, one uncontended lock) and returns. It never
 * blocks and never throws. When the queue is full the event is dropped and counted; the caller's
 * business never waits for metering.
 *
 * <p>The worker encodes each item (fingerprinting happens there, off the caller's thread) and hands
 * it to {@link Producer#send}, whose callback counts the outcome. The worker sleeps when the queue
 * is empty and is woken only when the queue passes a threshold, on flush, or on close, so a busy
 * caller does not pay for a thread wake-up per event.
 *
 * @param <T> what callers record
 * @param <V> the Kafka record value
 */
public final class Dispatcher<T, V> {

  /** Turns a queued item into a Kafka record, on the worker thread. */
  @FunctionalInterface
  public interface Encoder<T, V> {
    /**
     * @throws InvalidEventException when the item lacks something the event requires
     */
    ProducerRecord<String, V> encode(T item);
  }

  /** The item cannot become an event; counted as {@code invalid}. Carries no stack trace. */
  public static final class InvalidEventException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvalidEventException(String message) {
      super(message, null, false, false);
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger("io.tokenmeter.sdk");
  private static final int MAX_BATCH = 512;
  // An idle worker checks in this often; at low traffic this bounds how long an event waits.
  private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  // After the producer is closed nothing can block the worker; this is only a safety margin.
  private static final long WORKER_EXIT_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);
  private static final Duration MAX_TIMEOUT = Duration.ofDays(365);
  // Pause between attempts while Kafka has no metadata; send() itself already waited max.block.ms.
  private static final long RETRY_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final ArrayBlockingQueue<T> queue;
  private final int wakeThreshold;
  private final Encoder<T, V> encoder;
  private final Producer<String, V> producer;
  private final long holdLimitNanos;
  private final Counters counters;
  private final DropLog dropLog;
  private final Callback onCompletion = this::onCompletion;
  private final LongAdder accepted = new LongAdder();
  private final AtomicLong lostToClose = new AtomicLong();
  private final AtomicBoolean wakeRequested = new AtomicBoolean();
  private final ConcurrentLinkedQueue<Handover> handovers = new ConcurrentLinkedQueue<>();
  private final Object closeLock = new Object();
  private final Object flusherLock = new Object();
  private final Thread worker;

  private volatile boolean closed;
  private volatile boolean abandoned;
  private volatile boolean producerClosing;
  private volatile boolean workerParked;
  private volatile boolean workerExited;
  // Items the worker has handed to Kafka or dropped; written by the worker only.
  private volatile long handedOver;
  private ExecutorService flusher; // guarded by flusherLock
  private Boolean closeResult; // guarded by closeLock
  // Worker-only: a failure that send() reported through the callback on the worker's own thread.
  private Exception syncFailure;
  // Worker-only: the encoded head of the batch while Kafka cannot take it, and since when.
  private ProducerRecord<String, V> held;
  private long holdingSinceNanos;

  private Dispatcher(
      int capacity,
      Encoder<T, V> encoder,
      Producer<String, V> producer,
      Duration holdLimit,
      Counters counters,
      String threadName) {
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.wakeThreshold = Math.max(1, Math.min(capacity / 2, MAX_BATCH));
    this.encoder = encoder;
    this.producer = producer;
    this.holdLimitNanos = nanos(holdLimit);
    this.counters = counters;
    this.dropLog = new DropLog(LOG, counters);
    this.worker = new Thread(this::run, threadName);
    this.worker.setDaemon(true); // metering must never keep an application from exiting
  }

  /**
   * Creates the dispatcher and starts its worker thread.
   *
   * @param holdLimit how long the worker keeps retrying an event Kafka has no metadata for (the
   *     broker is down or the topic missing) before dropping it as broker_unavailable; the
   *     delivery timeout, so that an event gets the same grace before and after send()
   */
  public static <T, V> Dispatcher<T, V> start(
      int capacity,
      Encoder<T, V> encoder,
      Producer<String, V> producer,
      Duration holdLimit,
      Counters counters,
      String threadName) {
    Dispatcher<T, V> d =
        new Dispatcher<>(capacity, encoder, producer, holdLimit, counters, threadName);
    d.worker.start();
    return d;
  }

  /** Enqueues {@code item} or counts why not. Never blocks, never throws. */
  public void offer(T item) {
    try {
      counters.recorded.increment();
      if (item == null) {
        counters.drop(Reason.INVALID, "record(null)");
        return;
      }
      if (closed) {
        counters.drop(Reason.CLOSED);
        return;
      }
      if (!queue.offer(item)) {
        counters.drop(Reason.QUEUE_FULL);
        return;
      }
      accepted.increment();
      if (workerExited) {
        // close() raced us and its final drain may have run already: take the item back
        // ourselves, unless that drain got it, so it is counted exactly once.
        if (queue.remove(item)) {
          counters.drop(Reason.CLOSED);
        }
        return;
      }
      if (workerParked
          && queue.size() >= wakeThreshold
          && wakeRequested.compareAndSet(false, true)) {
        // One caller per sleep pays for the wake-up, not every caller until the worker runs.
        LockSupport.unpark(worker);
      }
    } catch (RuntimeException unexpected) {
      counters.drop(Reason.INVALID, unexpected.getClass().getName());
    }
  }

  /** Events waiting in the queue now. */
  public int queued() {
    return queue.size();
  }

  /**
   * Waits until every event accepted before this call has been handed to Kafka and has an outcome
   * (sent or dropped), or until {@code timeout} passes.
   *
   * @return true when all of them have an outcome in time
   */
  public boolean flush(Duration timeout) {
    long deadline = System.nanoTime() + nanos(timeout);
    try {
      if (workerExited) {
        return true; // close() has given every accepted event its outcome
      }
      handOver().get(remaining(deadline), TimeUnit.NANOSECONDS);
      // producer.flush() has no deadline of its own, so it runs on a helper thread that may go
      // on waiting (for at most the delivery timeout) after we give up.
      Future<?> flushed = flusher().submit(producer::flush);
      flushed.get(remaining(deadline), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Stops accepting, lets the worker hand over what is queued, then closes the producer, all
   * within {@code timeout}. Whatever is still queued or in flight at the deadline is dropped as
   * {@code closed}. Later calls return the first call's result at once.
   *
   * @return true when no event was cut off by the deadline
   */
  public boolean close(Duration timeout) {
    long deadline = System.nanoTime() + nanos(timeout);
    synchronized (closeLock) {
      if (closeResult != null) {
        return closeResult;
      }
      closed = true;
      LockSupport.unpark(worker);
      join(deadline);
      if (worker.isAlive()) {
        abandoned = true; // the worker drops the rest as closed instead of sending it
        LockSupport.unpark(worker);
      }
      producerClosing = true;
      try {
        // Waits for in-flight sends until the deadline, then aborts them (their callbacks run
        // before this returns). Closing also wakes a worker blocked in send() on metadata.
        producer.close(Duration.ofNanos(remaining(deadline)));
      } catch (RuntimeException e) {
        LOG.warn("Tokenmeter: closing the Kafka producer failed: {}", describe(e));
      }
      join(System.nanoTime() + WORKER_EXIT_GRACE_NANOS);
      List<T> rest = new ArrayList<>();
      queue.drainTo(rest);
      for (int i = 0; i < rest.size(); i++) {
        lostToClose.incrementAndGet();
        counters.drop(Reason.CLOSED);
      }
      synchronized (flusherLock) {
        if (flusher != null) {
          flusher.shutdownNow();
        }
      }
      for (Handover h; (h = handovers.poll()) != null; ) {
        h.done.complete(null);
      }
      closeResult = !worker.isAlive() && lostToClose.get() == 0;
      return closeResult;
    }
  }

  /** Whether close() has begun. */
  public boolean isClosed() {
    return closed;
  }

  private void run() {
    List<T> batch = new ArrayList<>(MAX_BATCH);
    int next = 0; // batch[next..] is still to be published
    try {
      while (true) {
        if (next == batch.size()) {
          batch.clear();
          next = 0;
          if (queue.drainTo(batch, MAX_BATCH) == 0) {
            completeHandovers();
            dropLog.maybeLog();
            if (closed) {
              return;
            }
            idle();
            continue;
          }
        }
        int start = next;
        boolean waiting = false;
        while (next < batch.size()) {
          if (abandoned) {
            held = null;
            for (; next < batch.size(); next++) {
              lostToClose.incrementAndGet();
              counters.drop(Reason.CLOSED);
            }
            break;
          }
          if (!publish(batch.get(next))) {
            waiting = true;
            break;
          }
          next++;
        }
        if (waiting && System.nanoTime() - holdingSinceNanos >= holdLimitNanos) {
          // Kafka has been unreachable for the whole grace period: give up on what we hold, so
          // that newer events get their turn once it is back.
          String detail =
              "Kafka took no event for " + TimeUnit.NANOSECONDS.toMillis(holdLimitNanos) + " ms";
          LOG.warn("Tokenmeter: {}; dropping {} held events", detail, batch.size() - next);
          for (; next < batch.size(); next++) {
            counters.drop(Reason.BROKER_UNAVAILABLE, detail);
          }
          held = null;
          holdingSinceNanos = 0;
          waiting = false;
        }
        if (next > start) {
          handedOver = handedOver + (next - start);
          completeHandovers();
        }
        dropLog.maybeLog();
        if (waiting) {
          LockSupport.parkNanos(this, RETRY_PAUSE_NANOS);
          Thread.interrupted();
        }
      }
    } catch (Throwable fatal) {
      // Only an Error gets here (publish() catches everything per event). Events recorded from
      // now on pile up and are counted as queue_full, which the stats make visible.
      LOG.error("Tokenmeter worker thread stopped; events will be dropped", fatal);
    } finally {
      workerExited = true;
    }
  }

  private void idle() {
    wakeRequested.set(false);
    workerParked = true;
    if (queue.isEmpty() && handovers.isEmpty() && !closed) {
      LockSupport.parkNanos(this, IDLE_PARK_NANOS);
    }
    workerParked = false;
    // Nobody should interrupt this thread; if someone did, a set flag would make parkNanos
    // return at once forever, so clear it.
    Thread.interrupted();
  }

  /**
   * Hands one item to Kafka, or counts why not.
   *
   * @return false when Kafka has no metadata for the topic (broker down, topic missing): the
   *     caller keeps the item and retries, so that a short outage costs no events
   */
  private boolean publish(T item) {
    ProducerRecord<String, V> record = held;
    if (record == null) {
      try {
        record = encoder.encode(item);
      } catch (InvalidEventException e) {
        counters.drop(Reason.INVALID, e.getMessage());
        return true;
      } catch (RuntimeException e) {
        counters.drop(Reason.SERIALIZATION, describe(e));
        return true;
      }
    }
    syncFailure = null;
    try {
      producer.send(record, onCompletion);
    } catch (SerializationException e) {
      counters.drop(Reason.SERIALIZATION, describe(e));
      return released();
    } catch (RuntimeException e) {
      if (producerClosing) {
        // close() got there first: send() after it throws IllegalStateException, and a send()
        // that close() woke in its metadata wait a plain KafkaException. Unsent at the deadline.
        lostToClose.incrementAndGet();
        counters.drop(Reason.CLOSED, describe(e));
      } else {
        counters.drop(Reason.BROKER_UNAVAILABLE, describe(e));
      }
      return released();
    }
    Exception failure = syncFailure;
    if (failure instanceof org.apache.kafka.common.errors.TimeoutException && producerClosing) {
      // close() passed its deadline while we waited for the broker.
      lostToClose.incrementAndGet();
      counters.drop(Reason.CLOSED, describe(failure));
      return released();
    }
    if (failure instanceof org.apache.kafka.common.errors.TimeoutException) {
      if (held == null) {
        held = record;
        holdingSinceNanos = System.nanoTime();
        LOG.warn(
            "Tokenmeter: Kafka cannot take events ({}); holding them for up to {} ms while the"
                + " queue absorbs new ones",
            describe(failure),
            TimeUnit.NANOSECONDS.toMillis(holdLimitNanos));
      }
      return false;
    }
    if (failure != null) {
      countFailure(failure);
    }
    if (held != null && failure == null) {
      LOG.info(
          "Tokenmeter: Kafka takes events again after {} ms",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - holdingSinceNanos));
    }
    return released();
  }

  private boolean released() {
    held = null;
    holdingSinceNanos = 0;
    return true;
  }

  // Runs on the producer's I/O thread; on the worker's own thread when send() fails at once
  // (no metadata, record too large), and on the closing thread for batches close() aborts.
  private void onCompletion(RecordMetadata metadata, Exception exception) {
    if (exception == null) {
      counters.sent.increment();
    } else if (Thread.currentThread() == worker) {
      syncFailure = exception; // publish() decides: retry, or count
    } else {
      countFailure(exception);
    }
  }

  private void countFailure(Exception exception) {
    if (exception instanceof SerializationException) {
      counters.drop(Reason.SERIALIZATION, describe(exception));
    } else if (exception instanceof RecordTooLargeException
        || exception instanceof InvalidTimestampException) {
      counters.drop(Reason.INVALID, describe(exception));
    } else if (producerClosing
        && !(exception instanceof org.apache.kafka.common.errors.TimeoutException)) {
      // Aborted by close() at its deadline, not refused by the broker.
      lostToClose.incrementAndGet();
      counters.drop(Reason.CLOSED, describe(exception));
    } else {
      counters.drop(Reason.BROKER_UNAVAILABLE, describe(exception));
    }
  }

  private CompletableFuture<Void> handOver() {
    Handover h = new Handover(accepted.sum());
    handovers.add(h);
    // Checked after adding, so either we see the worker's progress or it sees our request.
    if (handedOver >= h.target || workerExited) {
      handovers.remove(h);
      h.done.complete(null);
    } else {
      LockSupport.unpark(worker);
    }
    return h.done;
  }

  private void completeHandovers() {
    if (handovers.isEmpty()) {
      return;
    }
    long done = handedOver;
    for (Iterator<Handover> it = handovers.iterator(); it.hasNext(); ) {
      Handover h = it.next();
      if (h.target <= done) {
        it.remove();
        h.done.complete(null);
      }
    }
  }

  private ExecutorService flusher() {
    synchronized (flusherLock) {
      if (flusher == null) {
        flusher = Executors.newSingleThreadExecutor(r -> {
          Thread t = new Thread(r, worker.getName() + "-flush");
          t.setDaemon(true);
          return t;
        });
      }
      return flusher;
    }
  }

  private void join(long deadlineNanos) {
    try {
      long left = deadlineNanos - System.nanoTime();
      if (left > 0) {
        TimeUnit.NANOSECONDS.timedJoin(worker, left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static long nanos(Duration timeout) {
    if (timeout == null || timeout.isNegative()) {
      return 0;
    }
    // Capped so that nanoTime() + timeout cannot overflow.
    return timeout.compareTo(MAX_TIMEOUT) > 0 ? MAX_TIMEOUT.toNanos() : timeout.toNanos();
  }

  private static long remaining(long deadlineNanos) {
    return Math.max(0, deadlineNanos - System.nanoTime());
  }

  /** Class and message only: Kafka's and the serializer's messages never contain event data. */
  private static String describe(Throwable e) {
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  private static final class Handover {
    final long target;
    final CompletableFuture<Void> done = new CompletableFuture<>();

    Handover(long target) {
      this.target = target;
    }
  }
}
