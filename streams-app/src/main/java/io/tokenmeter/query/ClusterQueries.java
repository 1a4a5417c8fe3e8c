package io.tokenmeter.query;

import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.UsageRollup;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The query stores of every instance of the app: this one's read locally, the others' asked over
 * HTTP (their {@code application.server}), the answers concatenated. A query that names an org and
 * a project goes only to the instance that owns the partition of {@code org/project}.
 */
final class ClusterQueries implements StateSource {

  private final Supplier<KafkaStreams> streams;
  private final Supplier<HostInfo> self;
  private final LocalQueries local;
  private final PeerClient peers;

  ClusterQueries(Supplier<KafkaStreams> streams, Supplier<HostInfo> self, PeerClient peers) {
    this.streams = () -> {
      try {
        return streams.get();
      } catch (IllegalStateException notStarted) {
        throw new UnavailableException("Kafka Streams has not started yet", notStarted);
      }
    };
    this.self = self;
    this.local = new LocalQueries(streams);
    this.peers = peers;
  }

  @Override
  public List<UsageRollup> rollups(RollupQuery q) {
    requireRunning();
    String key = q.orgProjectKey();
    if (key != null) {
      KeyQueryMetadata owner =
          streams.get().queryMetadataForKey(QueryStores.ROLLUPS, key, new StringSerializer());
      if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
        throw new UnavailableException(
            "the owner of " + key + " is not known yet (rebalancing)", null);
      }
      return owner.activeHost().equals(self.get())
          ? local.rollups(q)
          : join(peers.rollups(owner.activeHost(), q));
    }
    return scatter(local::rollups, host -> peers.rollups(host, q), q);
  }

  @Override
  public List<Alert> openAlerts() {
    requireRunning();
    return scatter(ignored -> local.openAlerts(), peers::openAlerts, null);
  }

  private <T> List<T> scatter(
      Function<RollupQuery, List<T>> localRead,
      Function<HostInfo, CompletableFuture<List<T>>> ask,
      RollupQuery q) {
    List<CompletableFuture<List<T>>> asked = new ArrayList<>();
    for (StreamsMetadata m : streams.get().metadataForAllStreamsClients()) {
      if (!m.hostInfo().equals(self.get()) && !m.topicPartitions().isEmpty()) {
        asked.add(ask.apply(m.hostInfo()));
      }
    }
    List<T> all = new ArrayList<>(localRead.apply(q));
    for (CompletableFuture<List<T>> answer : asked) {
      all.addAll(join(answer));
    }
    return all;
  }

  private void requireRunning() {
    KafkaStreams.State state = streams.get().state();
    if (state != KafkaStreams.State.RUNNING) {
      throw new UnavailableException("Kafka Streams is " + state + "; partitions are moving", null);
    }
  }

  private static <T> T join(CompletableFuture<T> answer) {
    try {
      return answer.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof UnavailableException u) {
        throw u;
      }
      throw new UnavailableException("another instance did not answer: " + cause, cause);
    }
  }
}
