package io.tokenmeter.alert;

import io.tokenmeter.schemas.LlmCallEvent;
import java.util.HashMap;

/**
 * The rate-limit store key of a call's scope, built once per scope instead of once per call: the
 * key escapes and joins three strings, and every accepted call needs it. The decoder shares the
 * repeated strings, so a lookup hashes cached string hashes and compares by identity first.
 * Bounded: past {@value #MAX_SCOPES} scopes it starts over, which costs only the rebuilding.
 */
final class RateLimitKeys {

  static final int MAX_SCOPES = 10_000;

  private final HashMap<RateLimitScope, String> keys = new HashMap<>();

  String of(LlmCallEvent event) {
    RateLimitScope scope = RateLimitScope.of(event);
    String key = keys.get(scope);
    if (key == null) {
      if (keys.size() >= MAX_SCOPES) {
        keys.clear();
      }
      key = scope.storeKey();
      keys.put(scope, key);
    }
    return key;
  }
}
