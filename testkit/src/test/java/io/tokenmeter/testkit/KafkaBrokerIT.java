package io.tokenmeter.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class KafkaBrokerIT {

  @Test
  void brokerKeepsAcknowledgedRecordsAcrossGracefulStopAndKill() throws Exception {
    Path dataDir;
    try (KafkaBroker broker = KafkaBroker.start()) {
      dataDir = broker.dataDir();
      assertThat(broker.bootstrapServers()).startsWith("127.0.0.1:");
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
        admin
            .createTopics(List.of(new NewTopic("t", 1, (short) 1)))
            .all()
            .get(30, TimeUnit.SECONDS);
      }
      send(broker, "a");

      broker.stop();
      assertThat(broker.isRunning()).isFalse();
      broker.startProcess();
      send(broker, "b");

      broker.kill();
      broker.startProcess();
      send(broker, "c");

      assertThat(readAll(broker)).containsExactly("a", "b", "c");
    }
    assertThat(Files.exists(dataDir))
        .as("temporary data directory is deleted on close")
        .isFalse();
  }

  @Test
  void brokerOnAGivenDataDirLeavesItInPlace(@org.junit.jupiter.api.io.TempDir Path dir) {
    Path data = dir.resolve("kafka");
    try (KafkaBroker broker = KafkaBroker.builder().dataDir(data).start()) {
      assertThat(broker.isRunning()).isTrue();
    }
    assertThat(data.resolve("logs").resolve("meta.properties")).exists();
  }

  private static void send(KafkaBroker broker, String value) throws Exception {
    Map<String, Object> conf = Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        broker.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG,
        "all");
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(conf, new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>("t", value)).get(60, TimeUnit.SECONDS);
    }
  }

  private static List<String> readAll(KafkaBroker broker) {
    Map<String, Object> conf = Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, "reader",
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(conf, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(Set.of("t"));
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          values.add(r.value());
        }
        return values.size() >= 3;
      });
    }
    return values;
  }
}
