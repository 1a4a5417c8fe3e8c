package io.tokenmeter.query;

import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.UsageRollup;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/** The query stores of this instance: every partition it is the active owner of. */
final class LocalQueries implements StateSource {

  private final Supplier<KafkaStreams> streams;

  LocalQueries(Supplier<KafkaStreams> streams) {
    this.streams = () -> {
      try {
        return streams.get();
      } catch (IllegalStateException notStarted) {
        throw new UnavailableException("Kafka Streams has not started yet", notStarted);
      }
    };
  }

  @Override
  public List<UsageRollup> rollups(RollupQuery q) {
    return withRetry(() -> {
      ReadOnlyKeyValueStore<Bytes, byte[]> store = streams
          .get()
          .store(StoreQueryParameters.fromNameAndType(
              QueryStores.ROLLUPS, QueryableStoreTypes.<Bytes, byte[]>keyValueStore()));
      List<UsageRollup> out = new ArrayList<>();
      // Keys start with the window start, so the range is the time range; filters apply per row.
      try (KeyValueIterator<Bytes, byte[]> it =
          store.range(QueryStores.timePrefix(q.from()), QueryStores.timePrefix(q.to()))) {
        for (UsageRollup r : RollupHistoryStore.rollups(it)) {
          if (q.matches(r)) {
            out.add(r);
          }
        }
      }
      return out;
    });
  }

  @Override
  public List<Alert> openAlerts() {
    return withRetry(() -> {
      ReadOnlyKeyValueStore<String, byte[]> store = streams
          .get()
          .store(StoreQueryParameters.fromNameAndType(
              QueryStores.OPEN_ALERTS, QueryableStoreTypes.<String, byte[]>keyValueStore()));
      List<Alert> out = new ArrayList<>();
      try (KeyValueIterator<String, byte[]> it = store.all()) {
        it.forEachRemaining(kv -> out.add(RollupCodec.alert(kv.value)));
      }
      return out;
    });
  }

  /** Stores move between threads in a rebalance; one retry covers a store handle that just went stale. */
  private static <T> T withRetry(Supplier<T> read) {
    try {
      return read.get();
    } catch (InvalidStateStoreException first) {
      try {
        return read.get();
      } catch (InvalidStateStoreException again) {
        throw new UnavailableException(
            "local state not queryable now (" + again.getMessage() + ")", again);
      }
    }
  }
}
