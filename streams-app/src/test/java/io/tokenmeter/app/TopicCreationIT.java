package io.tokenmeter.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenmeter.config.TopicSettings;
import io.tokenmeter.testkit.KafkaBroker;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.ForwardingAdmin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.internals.KafkaFutureImpl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The app creates its missing topics at start, or says exactly what to change when it cannot. */
class TopicCreationIT {

  private static KafkaBroker broker;
  private static Admin admin;

  @BeforeAll
  static void startBroker() {
    broker = KafkaBroker.start();
    admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()));
  }

  @AfterAll
  static void stopBroker() {
    admin.close();
    broker.close();
  }

  private static TopicSettings settings(String prefix, short replicationFactor) {
    return new TopicSettings(
        prefix + ".calls",
        prefix + ".rollups",
        prefix + ".alerts",
        prefix + ".dlq",
        3,
        replicationFactor,
        Duration.ofDays(7),
        Duration.ofDays(30));
  }

  @Test
  void missingTopicsAreCreatedWithTheirPartitionsAndRetentionAndExistingOnesAreLeftAlone()
      throws Exception {
    admin
        .createTopics(List.of(new NewTopic("a.rollups", 1, (short) 1)))
        .all()
        .get(30, TimeUnit.SECONDS);

    List<String> created = TopicCreation.createMissing(admin, settings("a", (short) 1));

    assertThat(created).containsExactly("a.calls", "a.alerts", "a.dlq");
    Map<String, TopicDescription> topics = admin
        .describeTopics(Set.of("a.calls", "a.rollups"))
        .allTopicNames()
        .get(30, TimeUnit.SECONDS);
    assertThat(topics.get("a.calls").partitions()).hasSize(3);
    assertThat(topics.get("a.rollups").partitions())
        .as("an existing topic is not touched")
        .hasSize(1);
    ConfigResource calls = new ConfigResource(ConfigResource.Type.TOPIC, "a.calls");
    Config config =
        admin.describeConfigs(Set.of(calls)).all().get(30, TimeUnit.SECONDS).get(calls);
    assertThat(config.get(TopicConfig.RETENTION_MS_CONFIG).value())
        .isEqualTo(Long.toString(Duration.ofDays(7).toMillis()));
  }

  @Test
  void aReplicationFactorTheClusterCannotMeetFailsNamingTheSettings() {
    assertThatThrownBy(() -> TopicCreation.createMissing(admin, settings("b", (short) 3)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot create topic b.calls")
        .hasMessageContaining("topics.replication.factor=3");
  }

  @Test
  void aPrincipalWithoutTheCreateAclIsToldWhichAclOrTopicItNeeds() {
    // The broker's answer to a principal without CREATE, played in front of the real cluster.
    Admin refusing = new ForwardingAdmin(Map.of("bootstrap.servers", broker.bootstrapServers())) {
      @Override
      public CreateTopicsResult createTopics(
          Collection<NewTopic> newTopics, CreateTopicsOptions options) {
        KafkaFutureImpl<CreateTopicsResult.TopicMetadataAndConfig> refused =
            new KafkaFutureImpl<>();
        refused.completeExceptionally(new TopicAuthorizationException("Authorization failed."));
        Map<String, KafkaFuture<CreateTopicsResult.TopicMetadataAndConfig>> futures =
            newTopics.stream().collect(Collectors.toMap(NewTopic::name, t -> refused));
        return new CreateTopicsResult(futures) {};
      }
    };
    try (refusing) {
      assertThatThrownBy(() -> TopicCreation.createMissing(refusing, settings("c", (short) 1)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("topic c.calls does not exist and this app may not create it")
          .hasMessageContaining("CREATE ACL on topic c.calls")
          .hasMessageContaining("topics.partitions");
    }
  }
}
