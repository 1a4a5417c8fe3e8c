package io.tokenmeter.sdk.openai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import java.io.IOException;
import java.io.StringWriter;
import java.util.Set;

/**
 * Keeps the top-level {@code model} and {@code usage} of a JSON response body as it streams past,
 * with Jackson's non-blocking parser: the body is never buffered, so a 50 MB embeddings response
 * costs a parse, not a copy. Chat Completions, Responses, Embeddings and Completions bodies all
 * carry model and usage at the top level.
 */
final class JsonTopLevelFields implements ResponseUsage {

  private static final JsonFactory JSON = new JsonFactory();
  private static final Set<String> KEPT = Set.of("model", "usage");
  private static final int TOP_LEVEL = 1;

  private final StringWriter keptText = new StringWriter();
  private JsonParser parser;
  private ByteArrayFeeder feeder;
  private JsonGenerator kept;
  private int depth;
  private boolean valueIsNext;
  private boolean copying;
  private boolean keptAny;
  private boolean broken;
  private String keptField;
  private String model;
  private String summary;

  JsonTopLevelFields() {
    try {
      parser = JSON.createNonBlockingByteArrayParser();
      feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
      kept = JSON.createGenerator(keptText);
      kept.writeStartObject();
    } catch (IOException | RuntimeException | LinkageError unavailable) {
      // An old Jackson without the non-blocking parser: no usage, and no failure either.
      broken = true;
    }
  }

  @Override
  public void feed(byte[] bytes, int offset, int length) {
    if (broken || summary != null || length <= 0) {
      return;
    }
    try {
      feeder.feedInput(bytes, offset, offset + length);
      // Draining to NOT_AVAILABLE consumes the whole chunk, as the feeder requires before the
      // next one, and the caller may reuse its buffer as soon as this returns.
      for (JsonToken t = parser.nextToken();
          t != null && t != JsonToken.NOT_AVAILABLE;
          t = parser.nextToken()) {
        accept(t);
      }
    } catch (IOException | RuntimeException malformed) {
      broken = true;
    }
  }

  private void accept(JsonToken t) throws IOException {
    if (valueIsNext) {
      valueIsNext = false;
      kept.copyCurrentEvent(parser);
      if (t == JsonToken.VALUE_STRING && keptField.equals("model")) {
        model = parser.getText();
      }
      copying = t.isStructStart();
      keptAny |= !copying;
      trackDepth(t);
      return;
    }
    if (copying) {
      kept.copyCurrentEvent(parser);
      trackDepth(t);
      if (depth == TOP_LEVEL) {
        copying = false;
        keptAny = true;
      }
      return;
    }
    trackDepth(t);
    if (t == JsonToken.FIELD_NAME && depth == TOP_LEVEL && KEPT.contains(parser.currentName())) {
      keptField = parser.currentName();
      kept.writeFieldName(keptField);
      valueIsNext = true;
    }
  }

  private void trackDepth(JsonToken t) {
    if (t.isStructStart()) {
      depth++;
    } else if (t.isStructEnd()) {
      depth--;
    }
  }

  @Override
  public String summary() {
    if (summary != null) {
      return summary.isEmpty() ? null : summary;
    }
    summary = "";
    // A field cut off half-way (the body ended early) is not trusted: nothing rather than a guess.
    if (broken || !keptAny || valueIsNext || copying) {
      return null;
    }
    try {
      kept.writeEndObject();
      kept.close();
      parser.close();
      summary = keptText.toString();
    } catch (IOException | RuntimeException e) {
      return null;
    }
    return summary;
  }

  @Override
  public String model() {
    return broken ? null : model;
  }
}
