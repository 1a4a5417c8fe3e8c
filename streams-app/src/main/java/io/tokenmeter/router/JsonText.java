package io.tokenmeter.router;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/** The one Jackson setup for the payloads the router sends. */
final class JsonText {

  static final JsonMapper MAPPER = JsonMapper.builder()
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .build();

  private JsonText() {}

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /** Avro gives maps with CharSequence keys and values; receivers want plain strings, sorted. */
  static Map<String, String> strings(Map<? extends CharSequence, ? extends CharSequence> map) {
    Map<String, String> result = new TreeMap<>();
    if (map != null) {
      map.forEach((k, v) -> result.put(k.toString(), v == null ? null : v.toString()));
    }
    return result;
  }

  static ObjectNode object(Map<String, String> map) {
    ObjectNode node = object();
    map.forEach(node::put);
    return node;
  }

  /** RFC 3339 in UTC, as both PagerDuty and Alertmanager write timestamps. */
  static String time(Instant instant) {
    return instant.toString();
  }

  static String write(ObjectNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
