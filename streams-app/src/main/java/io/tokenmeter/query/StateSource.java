package io.tokenmeter.query;

import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.UsageRollup;
import java.util.List;

/** Where the query endpoints read rollups and open alerts: this instance, or all of them. */
interface StateSource {

  /** The final rollups {@code q} matches, in no particular order. */
  List<UsageRollup> rollups(RollupQuery q);

  /** The alerts now firing, in no particular order. */
  List<Alert> openAlerts();

  /** The state cannot be read now (a rebalance, a restore, an instance that does not answer). */
  final class UnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
