package io.tokenmeter.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class KafkaClusterIT {

  @Test
  void acknowledgedRecordsSurviveTheCrashOfTheLeaderAndWritesContinue() throws Exception {
    try (KafkaCluster cluster = KafkaCluster.start(3);
        Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
      admin
          .createTopics(
              List.of(new NewTopic("t", java.util.Optional.of(1), java.util.Optional.empty())))
          .all()
          .get(60, TimeUnit.SECONDS);
      TopicDescription topic =
          admin.describeTopics(List.of("t")).allTopicNames().get().get("t");
      assertThat(topic.partitions().get(0).replicas())
          .as("default replication factor")
          .hasSize(3);
      String minIsr = admin
          .describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, "t")))
          .all()
          .get()
          .values()
          .iterator()
          .next()
          .get("min.insync.replicas")
          .value();
      assertThat(minIsr).isEqualTo("2");

      try (KafkaProducer<String, String> producer = producer(cluster)) {
        producer.send(new ProducerRecord<>("t", "a")).get(60, TimeUnit.SECONDS);
        int leader = topic.partitions().get(0).leader().id();
        cluster.node(leader).kill();
        assertThat(cluster.node(leader).isRunning()).isFalse();
        producer.send(new ProducerRecord<>("t", "b")).get(120, TimeUnit.SECONDS);
        cluster.node(leader).startProcess();
        producer.send(new ProducerRecord<>("t", "c")).get(120, TimeUnit.SECONDS);
      }
      assertThat(readAll(cluster)).containsExactly("a", "b", "c");
    }
  }

  private static KafkaProducer<String, String> producer(KafkaCluster cluster) {
    Map<String, Object> conf = new HashMap<>();
    conf.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    conf.put(ProducerConfig.ACKS_CONFIG, "all");
    conf.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    return new KafkaProducer<>(conf, new StringSerializer(), new StringSerializer());
  }

  private static List<String> readAll(KafkaCluster cluster) {
    Map<String, Object> conf = Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, "reader",
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(conf, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of("t"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (values.size() < 3 && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(500)).forEach(r -> values.add(r.value()));
      }
    }
    return values;
  }
}
