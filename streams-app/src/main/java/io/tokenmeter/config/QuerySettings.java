package io.tokenmeter.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The query API's live state.
 *
 * @param retention {@code query.retention}, default 6 h: how long final rollups stay queryable in
 *     the app's own state; older ranges are for PostgreSQL
 */
public record QuerySettings(Duration retention) {

  public QuerySettings {
    Objects.requireNonNull(retention, "retention");
    if (retention.isZero() || retention.isNegative()) {
      throw new IllegalArgumentException("query.retention must be > 0, got " + retention);
    }
  }

  public static QuerySettings defaults() {
    return new QuerySettings(Duration.ofHours(6));
  }
}
