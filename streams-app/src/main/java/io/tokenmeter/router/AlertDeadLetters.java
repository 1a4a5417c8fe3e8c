package io.tokenmeter.router;

import io.tokenmeter.rollup.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Writes alerts the router cannot deliver to the alerts dead-letter topic: the original key and
 * value bytes and headers, plus headers that say why ({@code tokenmeter.dlq.*}, as on the calls
 * dead-letter topic). A send is acknowledged before the router moves on, so nothing is dropped.
 */
final class AlertDeadLetters implements AutoCloseable {

  /** A receiver refused the alert: a 4xx other than 429. */
  static final String REJECTED = "rejected";

  /** The record on the alerts topic is not an {@code Alert} this build can read. */
  static final String MALFORMED = "malformed";

  static final String RECEIVER = "tokenmeter.dlq.receiver";
  static final String STATUS = "tokenmeter.dlq.status";
  static final String RESPONSE = "tokenmeter.dlq.response";

  private static final long SEND_TIMEOUT_SECONDS = 60;

  private final Producer<byte[], byte[]> producer;
  private final String topic;
  private final Clock clock;

  AlertDeadLetters(Producer<byte[], byte[]> producer, String topic, Clock clock) {
    this.producer = producer;
    this.topic = topic;
    this.clock = clock;
  }

  void rejected(ConsumerRecord<byte[], byte[]> record, String receiver, Delivery.Rejected rejection)
      throws DeadLetterException {
    Headers headers = headers(record, REJECTED, "HTTP " + rejection.status() + " from " + receiver);
    add(headers, RECEIVER, receiver);
    add(headers, STATUS, Integer.toString(rejection.status()));
    add(headers, RESPONSE, rejection.responseExcerpt());
    send(record, headers);
  }

  void malformed(ConsumerRecord<byte[], byte[]> record, Exception cause)
      throws DeadLetterException {
    send(record, headers(record, MALFORMED, DeadLetterHeaders.describe(cause)));
  }

  private Headers headers(ConsumerRecord<byte[], byte[]> record, String reason, String error) {
    Headers h = new RecordHeaders(record.headers().toArray());
    add(h, DeadLetterHeaders.REASON, reason);
    add(h, DeadLetterHeaders.ERROR, ReceiverLimits.truncate(error, JsonPost.MAX_EXCERPT_CHARS));
    add(h, DeadLetterHeaders.TOPIC, record.topic());
    add(h, DeadLetterHeaders.PARTITION, Integer.toString(record.partition()));
    add(h, DeadLetterHeaders.OFFSET, Long.toString(record.offset()));
    add(h, DeadLetterHeaders.AT, clock.instant().toString());
    return h;
  }

  private void send(ConsumerRecord<byte[], byte[]> record, Headers headers)
      throws DeadLetterException {
    try {
      producer
          .send(new ProducerRecord<>(topic, null, record.key(), record.value(), headers))
          .get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new DeadLetterException("cannot write to " + topic + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DeadLetterException("interrupted writing to " + topic, e);
    }
  }

  private static void add(Headers h, String key, String value) {
    h.remove(key);
    h.add(key, value.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    producer.close();
  }

  /** The dead letter was not written; the router retries as for a receiver that is down. */
  static final class DeadLetterException extends Exception {
    private static final long serialVersionUID = 1L;

    DeadLetterException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
