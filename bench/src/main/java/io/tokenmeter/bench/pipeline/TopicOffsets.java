package io.tokenmeter.bench.pipeline;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * How many offsets a run used per topic it wrote (records, and under exactly-once also the
 * transaction markers): what the app costs the broker, next to its own CPU.
 */
final class TopicOffsets {

  private TopicOffsets() {}

  /** End offsets summed over partitions, for every topic whose name contains one of {@code parts}. */
  static Map<String, Long> written(String bootstrap, Set<String> parts) {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      Set<String> topics = admin.listTopics().names().get().stream()
          .filter(t -> parts.stream().anyMatch(t::contains))
          .collect(Collectors.toSet());
      Map<String, TopicDescription> described =
          admin.describeTopics(topics).allTopicNames().get();
      Map<TopicPartition, OffsetSpec> specs = described.values().stream()
          .flatMap(
              d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition())))
          .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
      Map<TopicPartition, ListOffsetsResultInfo> ends =
          admin.listOffsets(specs).all().get();
      Map<String, Long> sums = new TreeMap<>();
      ends.forEach((tp, info) -> sums.merge(tp.topic(), info.offset(), Long::sum));
      return sums;
    } catch (Exception e) {
      return Map.of("error: " + e, -1L);
    }
  }
}
