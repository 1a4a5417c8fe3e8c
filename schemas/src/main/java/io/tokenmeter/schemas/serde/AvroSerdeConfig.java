package io.tokenmeter.schemas.serde;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigException;

/**
 * How the Avro serde encodes: with a schema registry (Confluent wire format) or without one (Avro
 * single-object encoding against the bundled schemas).
 *
 * @param registryUrl base URL of a Confluent-compatible registry API, for example Apicurio's
 *     {@code http://127.0.0.1:8080/apis/ccompat/v7}; empty for single-object encoding
 * @param autoRegister whether the serializer registers the bundled schema under the topic's subject
 *     when the registry does not know it yet
 */
public record AvroSerdeConfig(Optional<URI> registryUrl, boolean autoRegister) {

  /** Kafka client property naming the registry base URL. Unset or blank: no registry. */
  public static final String REGISTRY_URL = "tokenmeter.registry.url";

  /** Kafka client property: register schemas on first use (default true). */
  public static final String AUTO_REGISTER = "tokenmeter.registry.auto.register";

  public AvroSerdeConfig {
    registryUrl = registryUrl == null ? Optional.empty() : registryUrl;
  }

  /** Single-object encoding, no registry. */
  public static AvroSerdeConfig withoutRegistry() {
    return new AvroSerdeConfig(Optional.empty(), false);
  }

  /** Confluent wire format against the registry at {@code url}, registering schemas on first use. */
  public static AvroSerdeConfig withRegistry(String url) {
    return new AvroSerdeConfig(Optional.of(parseUrl(REGISTRY_URL, url)), true);
  }

  /** Reads the config from Kafka client properties; a bad value fails naming its key. */
  public static AvroSerdeConfig fromProperties(Map<String, ?> props) {
    Object url = props.get(REGISTRY_URL);
    Optional<URI> registry = url == null || url.toString().isBlank()
        ? Optional.empty()
        : Optional.of(parseUrl(REGISTRY_URL, url.toString().trim()));
    Object auto = props.get(AUTO_REGISTER);
    boolean autoRegister = true;
    if (auto != null) {
      String s = auto.toString().trim();
      if (!s.equalsIgnoreCase("true") && !s.equalsIgnoreCase("false")) {
        throw new ConfigException(AUTO_REGISTER, auto, "must be true or false");
      }
      autoRegister = Boolean.parseBoolean(s);
    }
    return new AvroSerdeConfig(registry, autoRegister);
  }

  private static URI parseUrl(String key, String value) {
    try {
      URI uri = new URI(value.endsWith("/") ? value.substring(0, value.length() - 1) : value);
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
        throw new ConfigException(key, value, "must be an http:// or https:// URL");
      }
      if (uri.getHost() == null) {
        throw new ConfigException(key, value, "has no host");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new ConfigException(key, value, "is not a URL: " + e.getMessage());
    }
  }
}
