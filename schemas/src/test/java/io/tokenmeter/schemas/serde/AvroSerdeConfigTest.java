package io.tokenmeter.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class AvroSerdeConfigTest {

  @Test
  void registryUrlAndAutoRegistrationAreReadFromClientProperties() {
    AvroSerdeConfig config = AvroSerdeConfig.fromProperties(Map.of(
        AvroSerdeConfig.REGISTRY_URL, " http://127.0.0.1:8081/apis/ccompat/v7/ ",
        AvroSerdeConfig.AUTO_REGISTER, "false"));

    assertThat(config.registryUrl()).contains(URI.create("http://127.0.0.1:8081/apis/ccompat/v7"));
    assertThat(config.autoRegister()).isFalse();
  }

  @Test
  void withoutARegistryUrlTheSerdeUsesSingleObjectEncoding() {
    assertThat(AvroSerdeConfig.fromProperties(Map.of()).registryUrl()).isEmpty();
    assertThat(AvroSerdeConfig.fromProperties(Map.of(AvroSerdeConfig.REGISTRY_URL, " "))
            .registryUrl())
        .isEmpty();
  }

  @Test
  void autoRegistrationIsOnUnlessTurnedOff() {
    assertThat(AvroSerdeConfig.fromProperties(Map.of(AvroSerdeConfig.REGISTRY_URL, "http://h"))
            .autoRegister())
        .isTrue();
  }

  @Test
  void registryUrlThatIsNotHttpFailsNamingTheKey() {
    assertThatThrownBy(() ->
            AvroSerdeConfig.fromProperties(Map.of(AvroSerdeConfig.REGISTRY_URL, "localhost:8081")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tokenmeter.registry.url")
        .hasMessageContaining("must be an http:// or https:// URL");
  }

  @Test
  void registryUrlWithoutAHostFailsNamingTheKey() {
    assertThatThrownBy(() -> AvroSerdeConfig.withRegistry("http:///apis/ccompat/v7"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tokenmeter.registry.url")
        .hasMessageContaining("has no host");
  }

  @Test
  void autoRegistrationThatIsNotABooleanFailsNamingTheKey() {
    assertThatThrownBy(
            () -> AvroSerdeConfig.fromProperties(Map.of(AvroSerdeConfig.AUTO_REGISTER, "yes")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tokenmeter.registry.auto.register")
        .hasMessageContaining("must be true or false");
  }

  @Test
  void nullRegistryIsTheSameAsNone() {
    assertThat(new AvroSerdeConfig(null, false).registryUrl()).isEqualTo(Optional.empty());
  }
}
