package io.tokenmeter.testkit;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Leaves a transaction open on a partition that its coordinator has moved past and will never
 * finish: the "hanging transaction" of KIP-664, made on purpose so that tests can show what
 * recovers from one.
 *
 * <p>How: a transactional producer registers {@code transactionalId} (producer id P, epoch E), a
 * second one with the same id bumps the coordinator to E + 1 and goes idle. Then a produce request
 * written by hand appends one transactional record for (P, E) to the partition. The partition now
 * has a transaction open for P at E; the coordinator, idle at E + 1, sends it no marker, ever.
 *
 * <p>The broker must run with {@code transaction.partition.verification.enable=false} (KIP-890's
 * check would refuse the append) and be the partition's leader; TLS and SASL are not spoken here.
 */
public final class HangingTransaction {

  private static final int REQUEST_TIMEOUT_MS = 30_000;

  /** What was left open: producer id and epoch, and the record's offset (the transaction's first). */
  public record Open(
      TopicPartition partition,
      String transactionalId,
      long producerId,
      short producerEpoch,
      long offset) {}

  private HangingTransaction() {}

  /** Opens one on {@code partition} of {@code broker}, which must not verify transactional appends. */
  public static Open leaveOpen(KafkaBroker broker, TopicPartition partition, String transactionalId)
      throws IOException, InterruptedException, ExecutionException, TimeoutException {
    return leaveOpen(broker, List.of(partition), transactionalId).get(0);
  }

  /** One on each of {@code partitions}, all for the same producer id and epoch. */
  public static List<Open> leaveOpen(
      KafkaBroker broker, List<TopicPartition> partitions, String transactionalId)
      throws IOException, InterruptedException, ExecutionException, TimeoutException {
    Map<String, Object> clients = Map.copyOf(broker.clientProperties());
    short epoch;
    long producerId;
    try (Admin admin = Admin.create(clients)) {
      registerProducer(clients, transactionalId);
      TransactionDescription first = describe(admin, transactionalId);
      producerId = first.producerId();
      epoch = (short) first.producerEpoch();
      registerProducer(clients, transactionalId);
      TransactionDescription second = describe(admin, transactionalId);
      if (second.producerId() != producerId || second.producerEpoch() <= epoch) {
        throw new IllegalStateException(
            "the coordinator did not move past epoch " + epoch + ": " + second);
      }
    }
    List<Open> open = new ArrayList<>();
    for (TopicPartition partition : partitions) {
      long offset =
          appendTransactional(broker.port(), partition, transactionalId, producerId, epoch);
      open.add(new Open(partition, transactionalId, producerId, epoch, offset));
    }
    return open;
  }

  /** The partition's last stable offset: where a {@code read_committed} reader stops. */
  public static long lastStableOffset(Admin admin, TopicPartition partition)
      throws InterruptedException, ExecutionException, TimeoutException {
    return latest(admin, partition, IsolationLevel.READ_COMMITTED);
  }

  /** The partition's end offset (high watermark): where a {@code read_uncommitted} reader stops. */
  public static long endOffset(Admin admin, TopicPartition partition)
      throws InterruptedException, ExecutionException, TimeoutException {
    return latest(admin, partition, IsolationLevel.READ_UNCOMMITTED);
  }

  private static long latest(Admin admin, TopicPartition partition, IsolationLevel isolation)
      throws InterruptedException, ExecutionException, TimeoutException {
    return admin
        .listOffsets(Map.of(partition, OffsetSpec.latest()), new ListOffsetsOptions(isolation))
        .partitionResult(partition)
        .get(REQUEST_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .offset();
  }

  private static void registerProducer(Map<String, Object> clients, String transactionalId) {
    Properties props = new Properties();
    props.putAll(clients);
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
      producer.initTransactions();
    }
  }

  private static TransactionDescription describe(Admin admin, String transactionalId)
      throws InterruptedException, ExecutionException, TimeoutException {
    return admin
        .describeTransactions(List.of(transactionalId))
        .description(transactionalId)
        .get(REQUEST_TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  /**
   * A Produce request at the last version before transactions v2, so the broker takes the
   * transaction as the client's word; the Java producer would register the partition with the
   * coordinator first, which is exactly what must not happen here.
   */
  private static long appendTransactional(
      int port, TopicPartition partition, String transactionalId, long producerId, short epoch)
      throws IOException {
    short version = ProduceRequest.LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2;
    MemoryRecords records = MemoryRecords.withTransactionalRecords(
        Compression.NONE,
        producerId,
        epoch,
        0,
        // Keyed: compacted topics (changelogs) refuse records without a key.
        new SimpleRecord(
            System.currentTimeMillis(),
            "hanging-transaction".getBytes(StandardCharsets.UTF_8),
            "left open by HangingTransaction".getBytes(StandardCharsets.UTF_8)));
    ProduceRequestData.TopicProduceDataCollection topics =
        new ProduceRequestData.TopicProduceDataCollection();
    topics.add(new ProduceRequestData.TopicProduceData()
        .setName(partition.topic())
        .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData()
            .setIndex(partition.partition())
            .setRecords(records))));
    ProduceRequestData data = new ProduceRequestData()
        .setAcks((short) -1)
        .setTimeoutMs(REQUEST_TIMEOUT_MS)
        .setTransactionalId(transactionalId)
        .setTopicData(topics);
    RequestHeader header =
        new RequestHeader(ApiKeys.PRODUCE, version, "tokenmeter-hanging-transaction", 1);
    ByteBuffer request = new ProduceRequest.Builder(version, version, data)
        .build(version)
        .serializeWithHeader(header);
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(REQUEST_TIMEOUT_MS);
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      out.writeInt(request.remaining());
      out.write(request.array(), request.arrayOffset() + request.position(), request.remaining());
      out.flush();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      byte[] response = new byte[in.readInt()];
      in.readFully(response);
      ProduceResponse produce =
          (ProduceResponse) AbstractResponse.parseResponse(ByteBuffer.wrap(response), header);
      for (ProduceResponseData.TopicProduceResponse topic : produce.data().responses()) {
        for (ProduceResponseData.PartitionProduceResponse p : topic.partitionResponses()) {
          Errors error = Errors.forCode(p.errorCode());
          if (error != Errors.NONE) {
            throw new IllegalStateException(
                "the broker refused the transactional append to " + partition + ": "
                    + error + (p.errorMessage() == null ? "" : " (" + p.errorMessage() + ")")
                    + "; is transaction.partition.verification.enable=false?");
          }
          return p.baseOffset();
        }
      }
    }
    throw new IllegalStateException("no answer for " + partition + " in the produce response");
  }
}
