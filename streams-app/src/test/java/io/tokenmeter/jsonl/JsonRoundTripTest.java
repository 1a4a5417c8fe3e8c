package io.tokenmeter.jsonl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.UsageRollup;
import io.tokenmeter.schemas.serde.AvroDeserializer;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.schemas.serde.AvroSerializer;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

class JsonRoundTripTest {

  @Test
  void callEventSurvivesJsonToAvroBinaryAndBackToJsonUnchanged() throws Exception {
    assertRoundTrip(LlmCallEvent.class, JsonLines.CALL);
  }

  @Test
  void usageRollupSurvivesJsonToAvroBinaryAndBackToJsonUnchanged() throws Exception {
    assertRoundTrip(UsageRollup.class, JsonLines.ROLLUP);
  }

  @Test
  void alertSurvivesJsonToAvroBinaryAndBackToJsonUnchanged() throws Exception {
    assertRoundTrip(Alert.class, JsonLines.ALERT);
  }

  @Test
  void writerSpellsOutOmittedNullableFieldsAsNullAndDefaultsAsTheirValue() throws Exception {
    String minimal =
        "{\"event_id\":\"e\",\"timestamp\":0,\"sdk\":{\"name\":\"n\",\"version\":\"v\"},\"service\":\"s\","
            + "\"environment\":\"dev\",\"provider\":\"openai\",\"operation\":\"chat\",\"request_model\":\"m\"}";

    JsonNode out = Json.MAPPER.readTree(
        JsonRecordWriter.write(JsonRecordReader.forType(LlmCallEvent.class).read(minimal)));

    assertThat(out.get("org_id").isNull()).isTrue();
    assertThat(out.get("rate_limit").isNull()).isTrue();
    assertThat(out.get("streaming").booleanValue()).isFalse();
    assertThat(out.size()).isEqualTo(LlmCallEvent.getClassSchema().getFields().size());
  }

  @Test
  void mapKeysAreWrittenSortedSoTheSameRecordAlwaysGivesTheSameLine() throws Exception {
    Alert alert = JsonRecordReader.forType(Alert.class).read(JsonLines.ALERT);

    assertThat(JsonRecordWriter.write(alert))
        .contains(
            "\"scope\":{\"model\":\"gpt-4o\",\"org_id\":\"org-acme\",\"project_id\":\"proj-web\"}");
  }

  @Test
  void doublesThatJsonCannotHoldAreWrittenAsTextAndReadBack() throws Exception {
    Alert alert = JsonRecordReader.forType(Alert.class).read(JsonLines.ALERT);
    alert.setObservedValue(Double.NaN);
    alert.setThreshold(Double.POSITIVE_INFINITY);

    String line = JsonRecordWriter.write(alert);

    assertThat(line).contains("\"observed_value\":\"NaN\"").contains("\"threshold\":\"Infinity\"");
    assertThat(JsonRecordReader.forType(Alert.class).read(line)).isEqualTo(alert);
  }

  /** Through the Kafka serde too, because that is the path produce | consume takes. */
  private static <T extends SpecificRecord> void assertRoundTrip(Class<T> type, String line)
      throws Exception {
    T record = JsonRecordReader.forType(type).read(line);
    byte[] bytes;
    try (AvroSerializer<T> serializer =
        new AvroSerializer<>(type, AvroSerdeConfig.withoutRegistry())) {
      bytes = serializer.serialize("t", record);
    }
    T decoded;
    try (AvroDeserializer<T> deserializer =
        new AvroDeserializer<>(type, AvroSerdeConfig.withoutRegistry())) {
      decoded = deserializer.deserialize("t", bytes);
    }

    assertThat(decoded).isEqualTo(record);
    assertThat(Json.MAPPER.readTree(JsonRecordWriter.write(decoded)))
        .isEqualTo(Json.MAPPER.readTree(line));
  }
}
