package io.tokenmeter.alert;

import io.tokenmeter.schemas.Alert;
import java.util.List;

/**
 * The result of one detector step.
 *
 * @param state the state to store for the scope; null means delete the store entry (nothing is
 *     firing and nothing needs remembering)
 * @param alerts the alerts to emit, in order; usually empty
 * @param <S> the detector's state type
 */
public record Transition<S>(S state, List<Alert> alerts) {

  public Transition {
    alerts = List.copyOf(alerts);
  }
}
