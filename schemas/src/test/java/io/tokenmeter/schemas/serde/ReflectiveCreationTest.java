package io.tokenmeter.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenmeter.schemas.LlmCallEvent;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;

/**
 * Kafka clients create serdes from class names in their properties ({@code value.serializer})
 * and then call {@code configure} with all the client's properties: the same path here.
 */
class ReflectiveCreationTest {

  @Test
  void serdeCreatedByClassNameRoundTripsTheRecordNamedInItsProperties() throws Exception {
    Map<String, Object> props = Map.of(AvroSerdes.VALUE_TYPE, LlmCallEvent.class.getName());
    Serializer<LlmCallEvent> serializer = newInstance(AvroSerializer.class.getName());
    Deserializer<LlmCallEvent> deserializer = newInstance(AvroDeserializer.class.getName());
    serializer.configure(props, false);
    deserializer.configure(props, false);

    byte[] bytes = serializer.serialize("llm.calls", CallEvents.golden());

    assertThat(bytes[0]).isEqualTo((byte) 0xC3);
    assertThat(deserializer.deserialize("llm.calls", bytes)).isEqualTo(CallEvents.golden());
  }

  @Test
  void keySerdeReadsTheKeyTypeProperty() throws Exception {
    Serializer<LlmCallEvent> serializer = newInstance(AvroSerializer.class.getName());

    assertThatThrownBy(() ->
            serializer.configure(Map.of(AvroSerdes.VALUE_TYPE, LlmCallEvent.class.getName()), true))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tokenmeter.avro.key.type");
  }

  @Test
  void missingRecordTypeFailsNamingTheProperty() throws Exception {
    Deserializer<LlmCallEvent> deserializer = newInstance(AvroDeserializer.class.getName());

    assertThatThrownBy(() -> deserializer.configure(Map.of(), false))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tokenmeter.avro.value.type")
        .hasMessageContaining("must name the generated Avro record class");
  }

  @Test
  void recordTypeThatIsNotAGeneratedRecordFailsNamingTheProperty() throws Exception {
    Deserializer<LlmCallEvent> deserializer = newInstance(AvroDeserializer.class.getName());

    assertThatThrownBy(
            () -> deserializer.configure(Map.of(AvroSerdes.VALUE_TYPE, "java.lang.String"), false))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tokenmeter.avro.value.type")
        .hasMessageContaining("is not a generated Avro record class");
  }

  @Test
  void useBeforeConfigureFailsClearly() throws Exception {
    Serializer<LlmCallEvent> serializer = newInstance(AvroSerializer.class.getName());

    assertThatThrownBy(() -> serializer.serialize("llm.calls", CallEvents.golden()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("AvroSerializer used before configure()");
  }

  @SuppressWarnings("unchecked")
  private static <T> T newInstance(String className) throws Exception {
    return (T) Class.forName(className).getDeclaredConstructor().newInstance();
  }
}
