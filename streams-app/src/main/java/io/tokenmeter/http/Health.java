package io.tokenmeter.http;

import java.util.Objects;

/**
 * What a process says of itself on {@code /health}.
 *
 * @param up true when the process does its work (answers 200), false otherwise (503)
 * @param state the component's own state word, for example Kafka Streams' {@code RUNNING}
 */
public record Health(boolean up, String state) {

  public Health {
    Objects.requireNonNull(state, "state");
  }
}
