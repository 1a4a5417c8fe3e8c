package io.tokenmeter.testkit;

import static io.tokenmeter.testkit.HangingTransaction.endOffset;
import static io.tokenmeter.testkit.HangingTransaction.lastStableOffset;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class HangingTransactionIT {

  @Test
  void aTransactionLeftOpenHoldsTheLastStableOffsetUntilItIsAborted() throws Exception {
    try (KafkaBroker broker = KafkaBroker.builder()
            .brokerProperty("transaction.partition.verification.enable", "false")
            .start();
        Admin admin = Admin.create(Map.<String, Object>copyOf(broker.clientProperties()))) {
      admin
          .createTopics(List.of(new NewTopic("held", 2, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
      TopicPartition held = new TopicPartition("held", 0);
      TopicPartition other = new TopicPartition("held", 1);
      String transactionalId = "hanging-" + UUID.randomUUID();

      List<HangingTransaction.Open> open =
          HangingTransaction.leaveOpen(broker, List.of(held, other), transactionalId);
      HangingTransaction.Open first = open.get(0);
      // Records written after it, committed or not transactional at all, stay behind it.
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(
          Map.of(
              ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
              broker.bootstrapServers(),
              ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
              true),
          new StringSerializer(),
          new StringSerializer())) {
        producer.send(new ProducerRecord<>("held", 0, "k", "after")).get(30, TimeUnit.SECONDS);
      }

      List<ProducerState> producers = admin
          .describeProducers(List.of(held))
          .partitionResult(held)
          .get(30, TimeUnit.SECONDS)
          .activeProducers();
      assertThat(producers)
          .filteredOn(p -> p.producerId() == first.producerId())
          .singleElement()
          .satisfies(p -> {
            assertThat(p.producerEpoch()).isEqualTo(first.producerEpoch());
            assertThat(p.currentTransactionStartOffset()).hasValue(first.offset());
          });
      TransactionDescription coordinator = admin
          .describeTransactions(List.of(transactionalId))
          .description(transactionalId)
          .get(30, TimeUnit.SECONDS);
      assertThat(coordinator.state()).isEqualTo(TransactionState.EMPTY);
      assertThat(coordinator.producerId()).isEqualTo(first.producerId());
      assertThat(coordinator.producerEpoch()).isGreaterThan(first.producerEpoch());
      assertThat(lastStableOffset(admin, held)).as("last stable offset").isEqualTo(first.offset());
      assertThat(endOffset(admin, held)).isEqualTo(first.offset() + 2);

      admin
          .abortTransaction(
              new AbortTransactionSpec(held, first.producerId(), first.producerEpoch(), 0))
          .all()
          .get(30, TimeUnit.SECONDS);

      assertThat(lastStableOffset(admin, held))
          .as("last stable offset after the abort")
          .isEqualTo(endOffset(admin, held));
      assertThat(lastStableOffset(admin, other))
          .as("the other partition is still held")
          .isEqualTo(open.get(1).offset());
    }
  }
}
