package io.tokenmeter.jsonl;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The one Jackson configuration for both directions, so that what consume writes, produce reads. */
final class Json {

  static final JsonMapper MAPPER = JsonMapper.builder()
      // Two values for one field would let a line say one thing to a reader and another to us.
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      // One line is one event; anything after the object is a mistake, not a second event.
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      // Exact numbers, so that 1e400 is reported as out of range, not read as infinity.
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .build();

  private Json() {}
}
