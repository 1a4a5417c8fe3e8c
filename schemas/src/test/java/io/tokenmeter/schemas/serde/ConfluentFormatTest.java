package io.tokenmeter.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenmeter.schemas.LlmCallEvent;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How the serde uses a registry: which subject, which text, how often it asks. */
class ConfluentFormatTest {

  private static final String TOPIC = "llm.calls";
  private static final String V1_TEXT = BundledSchemas.text("LlmCallEvent", 1);

  private FakeSchemaRegistry registry;

  @BeforeEach
  void startRegistry() {
    registry = FakeSchemaRegistry.start(1);
  }

  @AfterEach
  void stopRegistry() {
    registry.close();
  }

  @Test
  void valueSchemaIsRegisteredUnderTheTopicValueSubjectAsTheExactBundledText() {
    new AvroSerializer<>(LlmCallEvent.class, config(true)).serialize(TOPIC, CallEvents.golden());

    assertThat(registry.idUnder("llm.calls-value", V1_TEXT)).isEqualTo(1);
  }

  @Test
  void keySchemaIsRegisteredUnderTheTopicKeySubject() {
    AvroSerializer<LlmCallEvent> keys = new AvroSerializer<>(LlmCallEvent.class, config(true));
    keys.configure(Map.of(), true);

    keys.serialize(TOPIC, CallEvents.golden());

    assertThat(registry.idUnder("llm.calls-key", V1_TEXT)).isEqualTo(1);
    assertThat(registry.idUnder("llm.calls-value", V1_TEXT)).isNull();
  }

  @Test
  void warmSerializerAndDeserializerMakeNoFurtherRegistryCalls() {
    var serializer = new AvroSerializer<>(LlmCallEvent.class, config(true));
    var deserializer = new AvroDeserializer<>(LlmCallEvent.class, config(true));
    byte[] bytes = serializer.serialize(TOPIC, CallEvents.golden());
    deserializer.deserialize(TOPIC, bytes);
    int afterFirstUse = registry.requests();

    for (int i = 0; i < 100; i++) {
      assertThat(deserializer.deserialize(TOPIC, serializer.serialize(TOPIC, CallEvents.golden())))
          .isEqualTo(CallEvents.golden());
    }

    assertThat(afterFirstUse).isEqualTo(2);
    assertThat(registry.requests()).isEqualTo(afterFirstUse);
  }

  @Test
  void withoutAutoRegistrationAnAlreadyRegisteredSchemaIsFound() {
    int id = registry.register("llm.calls-value", V1_TEXT);

    byte[] bytes = new AvroSerializer<>(LlmCallEvent.class, config(false))
        .serialize(TOPIC, CallEvents.golden());

    assertThat(bytes[4]).isEqualTo((byte) id);
  }

  @Test
  void withoutAutoRegistrationAnUnregisteredSchemaIsRefused() {
    var serializer = new AvroSerializer<>(LlmCallEvent.class, config(false));

    assertThatThrownBy(() -> serializer.serialize(TOPIC, CallEvents.golden()))
        .isExactlyInstanceOf(SerializationException.class)
        .hasMessageContaining("refused to look up schema under subject llm.calls-value: HTTP 404");
    assertThat(registry.idUnder("llm.calls-value", V1_TEXT)).isNull();
  }

  private AvroSerdeConfig config(boolean autoRegister) {
    return new AvroSerdeConfig(Optional.of(URI.create(registry.url())), autoRegister);
  }
}
