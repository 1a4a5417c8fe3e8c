package io.tokenmeter.app;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * What the broker knows about the app: its group's committed input offsets and its members'
 * partitions, and the input topic's end offsets. Seen from outside, as an operator would.
 */
final class StreamsGroupProbe implements AutoCloseable {

  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(15);

  private final Admin admin;
  private final String applicationId;
  private final String inputTopic;

  StreamsGroupProbe(String bootstrapServers, String applicationId, String inputTopic) {
    this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    this.applicationId = applicationId;
    this.inputTopic = inputTopic;
  }

  Admin admin() {
    return admin;
  }

  /** Input offsets the app has committed (under exactly-once: in committed transactions). */
  Map<TopicPartition, Long> committed() {
    Map<TopicPartition, OffsetAndMetadata> offsets =
        get(admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata());
    return offsets.entrySet().stream()
        .filter(e -> e.getKey().topic().equals(inputTopic) && e.getValue() != null)
        .collect(Collectors.toMap(
            Map.Entry::getKey, e -> e.getValue().offset(), (a, b) -> a, java.util.HashMap::new));
  }

  long committedTotal() {
    return committed().values().stream().mapToLong(Long::longValue).sum();
  }

  /** The input topic's end offsets now. */
  Map<TopicPartition, Long> endOffsets() {
    Set<TopicPartition> partitions = get(
            admin.describeTopics(List.of(inputTopic)).allTopicNames())
        .get(inputTopic)
        .partitions()
        .stream()
        .map(p -> new TopicPartition(inputTopic, p.partition()))
        .collect(Collectors.toSet());
    return get(admin
            .listOffsets(
                partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest())))
            .all())
        .entrySet()
        .stream()
        .collect(Collectors.toMap(
            Map.Entry::getKey, e -> e.getValue().offset(), (a, b) -> a, java.util.HashMap::new));
  }

  /** Input partitions per group member (client id), as the coordinator assigned them. */
  Map<String, Set<Integer>> inputPartitionsByMember() {
    ConsumerGroupDescription group =
        get(admin.describeConsumerGroups(List.of(applicationId)).all()).get(applicationId);
    Map<String, Set<Integer>> byMember = new TreeMap<>();
    for (MemberDescription m : group.members()) {
      Collection<TopicPartition> assigned = m.assignment().topicPartitions();
      byMember.put(
          m.consumerId(),
          assigned.stream()
              .filter(tp -> tp.topic().equals(inputTopic))
              .map(TopicPartition::partition)
              .collect(Collectors.toCollection(java.util.TreeSet::new)));
    }
    return byMember;
  }

  private static <T> T get(org.apache.kafka.common.KafkaFuture<T> future) {
    try {
      return future.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("admin call failed", e);
    }
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(5));
  }
}
