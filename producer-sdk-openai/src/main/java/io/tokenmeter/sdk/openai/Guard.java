package io.tokenmeter.sdk.openai;

import io.tokenmeter.sdk.Tokenmeter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a failure inside the integration's own code ends: never in the caller's call. It is
 * counted as an {@code invalid} drop in {@link Tokenmeter#stats()} (the event it would have made
 * is lost) and logged at debug level with its class only, since a message could quote a header.
 */
final class Guard {

  private static final Logger LOG = LoggerFactory.getLogger("io.tokenmeter.sdk.openai");

  private Guard() {}

  static void swallow(Tokenmeter tokenmeter, Throwable failure) {
    if (failure instanceof VirtualMachineError vmError) {
      throw vmError; // out of memory or stack: the caller's call could not go on either
    }
    try {
      LOG.debug(
          "Tokenmeter could not meter an OpenAI call: {}", failure.getClass().getName());
      tokenmeter.record(null);
    } catch (RuntimeException | LinkageError ignored) {
      // Counting the failure failed too; there is nowhere left to report it.
    }
  }
}
