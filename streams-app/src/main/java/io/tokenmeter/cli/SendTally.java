package io.tokenmeter.cli;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Callback;

/**
 * Counts what produce did with each input line. Skips are counted on the reading thread;
 * acknowledgements and failures arrive on the producer's I/O thread, hence the atomics.
 */
final class SendTally {

  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong skipped = new AtomicLong();
  private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

  void skipped() {
    skipped.incrementAndGet();
  }

  /** The callback for the record read from {@code lineNumber}. */
  Callback callbackFor(long lineNumber) {
    return (metadata, exception) -> {
      if (exception == null) {
        sent.incrementAndGet();
      } else {
        failures.add("line " + lineNumber + ": not sent: " + exception.getMessage());
      }
    };
  }

  long sent() {
    return sent.get();
  }

  long skippedCount() {
    return skipped.get();
  }

  boolean hasFailures() {
    return !failures.isEmpty();
  }

  List<String> failures() {
    return List.copyOf(failures);
  }

  /** The summary line, as documented in docs/cli.md. */
  String summary() {
    String line = "sent " + sent.get() + ", skipped " + skipped.get();
    return failures.isEmpty() ? line : line + ", failed " + failures.size();
  }
}
