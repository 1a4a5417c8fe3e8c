package io.tokenmeter.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * No Docker engine runs here, so {@code docker-compose.yml} cannot be started in CI. This test
 * reads it instead and holds it to the app: every {@code TOKENMETER_*} variable loads through the
 * app's own {@link ConfigLoader} and is documented, and every topic, host and port agrees with the
 * app's configuration, the connector configs, the Connect worker and the Dockerfile.
 */
class ComposeFileTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  /** {@code ${NAME}}, {@code ${NAME:-default}}, {@code ${NAME:?message}}: compose's interpolation. */
  private static final Pattern INTERPOLATION =
      Pattern.compile("\\$\\{([A-Z0-9_]+)(?::?([-?])([^}]*))?}");
  /** Connect's EnvVarConfigProvider reference in a connector config. */
  private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{env:([A-Za-z0-9_]+)}");

  private static Map<String, Object> services;
  private static Map<String, Object> compose;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void readComposeFile() throws IOException {
    try (Reader in =
        Files.newBufferedReader(ROOT.resolve("docker-compose.yml"), StandardCharsets.UTF_8)) {
      compose = new Yaml().load(in);
    }
    services = (Map<String, Object>) compose.get("services");
  }

  @Test
  void theStackHasEveryPartTheProductionSetupNeeds() {
    assertThat(services)
        .containsKeys("kafka", "registry", "postgres", "connect", "connect-setup", "app", "router");
    assertThat(image("kafka")).isEqualTo("apache/kafka:4.4.0");
    assertThat(image("registry")).isEqualTo("apicurio/apicurio-registry:3.0.9");
    assertThat(command("app")).containsExactly("run");
    assertThat(command("router")).containsExactly("router");
  }

  @Test
  void appAndRouterEnvironmentsLoadAsValidConfiguration() {
    for (String service : List.of("app", "router")) {
      Map<String, String> env = environment(service);
      assertThat(env.keySet()).as(service).allMatch(name -> name.startsWith(ConfigKeys.ENV_PREFIX));

      // Throws a ConfigException naming the variable when one is unknown or its value is invalid.
      TokenmeterConfig config = ConfigLoader.create().env(env).load();

      assertThat(config.kafka().bootstrapServers()).as(service).isEqualTo("kafka:9092");
      assertThat(config.http().host()).as(service).isEqualTo("0.0.0.0");
    }
  }

  @Test
  void everyTokenmeterVariableIsDocumented() throws IOException {
    String configurationDoc = Files.readString(ROOT.resolve("docs/configuration.md"));
    Set<String> names = new TreeSet<>();
    names.addAll(environment("app").keySet());
    names.addAll(environment("router").keySet());

    Set<String> undocumented = names.stream()
        .filter(name -> !configurationDoc.contains("`" + name + "`"))
        .collect(Collectors.toCollection(TreeSet::new));

    assertThat(names).isNotEmpty();
    assertThat(undocumented).as("variables missing from docs/configuration.md").isEmpty();

    // Connect's variables are the sink's, read by the connector configs: documented with them.
    String sinkDoc = Files.readString(ROOT.resolve("docs/postgres-sink.md"));
    assertThat(environment("connect").keySet().stream()
            .filter(name -> name.startsWith(ConfigKeys.ENV_PREFIX))
            .filter(name -> !sinkDoc.contains(name)))
        .as("variables missing from docs/postgres-sink.md")
        .isEmpty();
  }

  @Test
  void appAndRouterAgreeOnTopicsAndTheTopicsAreTheDefaults() {
    TokenmeterConfig app = ConfigLoader.create().env(environment("app")).load();
    TokenmeterConfig router = ConfigLoader.create().env(environment("router")).load();
    TokenmeterConfig defaults = TokenmeterConfig.defaults();

    assertThat(router.topics()).isEqualTo(app.topics());
    // The docs, the CLI's examples and the connector configs all name the default topics.
    assertThat(app.topics().calls()).isEqualTo(defaults.topics().calls());
    assertThat(app.topics().rollups()).isEqualTo(defaults.topics().rollups());
    assertThat(app.topics().alerts()).isEqualTo(defaults.topics().alerts());
    assertThat(app.topics().deadLetter()).isEqualTo(defaults.topics().deadLetter());
  }

  @Test
  void connectorsReadTopicsTheAppWritesAndTheirSecretsComeFromConnectsEnvironment()
      throws IOException {
    Map<String, String> appEnv = environment("app");
    Set<String> appTopics = appEnv.entrySet().stream()
        .filter(e -> e.getKey().startsWith("TOKENMETER_TOPICS_"))
        .map(Map.Entry::getValue)
        .collect(Collectors.toSet());
    Map<String, String> connectEnv = environment("connect");

    List<Path> connectors;
    try (var files = Files.list(ROOT.resolve("sink-connector-config/connectors"))) {
      connectors = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
    }
    assertThat(connectors).isNotEmpty();
    for (Path connector : connectors) {
      String json = Files.readString(connector);
      Matcher topics = Pattern.compile("\"topics\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
      assertThat(topics.find())
          .as("%s names its topics", connector.getFileName())
          .isTrue();
      for (String topic : topics.group(1).split(",")) {
        assertThat(appTopics)
            .as("%s reads %s", connector.getFileName(), topic)
            .contains(topic.trim());
      }
      Matcher reference = ENV_REFERENCE.matcher(json);
      while (reference.find()) {
        assertThat(connectEnv)
            .as("connect sets %s for %s", reference.group(1), connector.getFileName())
            .containsKey(reference.group(1));
      }
    }
  }

  @Test
  void servicesReachEachOtherOnThePortsTheyListenOn() throws IOException {
    // Kafka: the app's bootstrap is the broker's advertised internal listener.
    Map<String, String> kafka = environment("kafka");
    assertThat(kafka.get("KAFKA_ADVERTISED_LISTENERS")).contains("INTERNAL://kafka:9092");
    assertThat(kafka.get("KAFKA_LISTENERS")).contains("INTERNAL://:9092");
    // The host listener is what the broker advertises for the published port.
    assertThat(kafka.get("KAFKA_ADVERTISED_LISTENERS")).contains("EXTERNAL://127.0.0.1:9094");
    assertThat(publishedPorts("kafka")).containsEntry(9094, 9094);

    // Registry: the app's URL port is the registry's HTTP port.
    URI registry = URI.create(environment("app").get("TOKENMETER_KAFKA_SCHEMA_REGISTRY_URL"));
    assertThat(registry.getHost()).isEqualTo("registry");
    assertThat(Integer.toString(registry.getPort()))
        .isEqualTo(environment("registry").get("QUARKUS_HTTP_PORT"));

    // App and router: HTTP port = container side of the published port = the health check's port.
    for (String service : List.of("app", "router")) {
      int port = Integer.parseInt(environment(service).get("TOKENMETER_HTTP_PORT"));
      assertThat(publishedPorts(service).values()).as(service).containsExactly(port);
      assertThat(healthcheck(service)).as(service).contains("http://127.0.0.1:" + port + "/health");
    }

    // Connect: the worker's REST listener, its published port, its health check and the setup job.
    Properties worker = connectWorker();
    int restPort = URI.create(worker.getProperty("listeners")).getPort();
    assertThat(publishedPorts("connect").values()).containsExactly(restPort);
    assertThat(healthcheck("connect")).contains("http://127.0.0.1:" + restPort + "/");
    assertThat(entrypoint("connect-setup")).contains("http://connect:" + restPort);
    assertThat(worker.getProperty("bootstrap.servers")).isEqualTo("kafka:9092");
    assertThat(worker.getProperty("plugin.discovery")).isEqualTo("service_load");

    // PostgreSQL: the sink's JDBC URL and the registry's datasource point at the database service.
    assertThat(publishedPorts("postgres").values()).containsExactly(5432);
    String database = environment("postgres").get("POSTGRES_DB");
    assertThat(environment("connect").get("TOKENMETER_SINK_JDBC_URL"))
        .isEqualTo("jdbc:postgresql://postgres:5432/" + database);
    assertThat(environment("registry").get("APICURIO_DATASOURCE_URL"))
        .isEqualTo("jdbc:postgresql://postgres:5432/" + database);
  }

  @Test
  void publishedPortsBindLoopbackOnlyAndDoNotCollide() {
    Set<String> hostPorts = new TreeSet<>();
    for (String service : services.keySet()) {
      for (String mapping : ports(service)) {
        assertThat(mapping).as(service).startsWith("127.0.0.1:");
        assertThat(hostPorts.add(mapping.split(":")[1]))
            .as("host port of %s is unique", service)
            .isTrue();
      }
    }
  }

  @Test
  void longRunningServicesHaveHealthChecksAndStateHasNamedVolumes() {
    for (String service : services.keySet()) {
      if (!service.equals("connect-setup")) {
        assertThat(healthcheck(service)).as("%s has a health check", service).isNotEmpty();
      }
    }
    @SuppressWarnings("unchecked")
    Set<String> declared = ((Map<String, Object>) compose.get("volumes")).keySet();
    Map<String, String> stateVolumes = Map.of(
        "kafka", "/var/lib/kafka/data",
        "postgres", "/var/lib/postgresql/data",
        "app", "/var/lib/tokenmeter/state");
    stateVolumes.forEach((service, path) -> assertThat(volumes(service))
        .as("%s keeps %s on a named volume", service, path)
        .anySatisfy(v -> {
          assertThat(v).endsWith(":" + path);
          assertThat(declared).contains(v.substring(0, v.indexOf(':')));
        }));
    assertThat(environment("app").get("TOKENMETER_KAFKA_STATE_DIR"))
        .isEqualTo("/var/lib/tokenmeter/state");
  }

  @Test
  void everyFileTheStackMountsOrBuildsFromExists() throws IOException {
    for (String service : services.keySet()) {
      for (String volume : volumes(service)) {
        if (volume.startsWith("./")) {
          Path source = ROOT.resolve(volume.substring(2, volume.indexOf(':')));
          assertThat(source).as("%s mounts %s", service, source).exists();
        }
      }
    }
    String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
    for (String service : List.of("app", "connect")) {
      @SuppressWarnings("unchecked")
      Map<String, Object> build = (Map<String, Object>) service(service).get("build");
      assertThat(dockerfile)
          .as("Dockerfile has the target of %s", service)
          .containsPattern("(?m)^FROM .+ AS " + Pattern.quote((String) build.get("target")) + "$");
    }
    Matcher copy = Pattern.compile("(?m)^COPY (?!--from)(\\S+) ").matcher(dockerfile);
    while (copy.find()) {
      assertThat(ROOT.resolve(copy.group(1)))
          .as("Dockerfile copies %s", copy.group(1))
          .exists();
    }
    // The router runs the image the app service builds.
    assertThat(image("router")).isEqualTo(image("app"));
  }

  // ---- reading the file

  @SuppressWarnings("unchecked")
  private static Map<String, Object> service(String name) {
    return (Map<String, Object>) services.get(name);
  }

  private static String image(String service) {
    return (String) service(service).get("image");
  }

  @SuppressWarnings("unchecked")
  private static List<String> command(String service) {
    return (List<String>) service(service).get("command");
  }

  @SuppressWarnings("unchecked")
  private static String entrypoint(String service) {
    return String.join(" ", (List<String>) service(service).get("entrypoint"));
  }

  @SuppressWarnings("unchecked")
  private static List<String> ports(String service) {
    return (List<String>) service(service).getOrDefault("ports", List.of());
  }

  @SuppressWarnings("unchecked")
  private static List<String> volumes(String service) {
    return (List<String>) service(service).getOrDefault("volumes", List.of());
  }

  /** Container port by host port, of {@code 127.0.0.1:HOST:CONTAINER} mappings. */
  private static Map<Integer, Integer> publishedPorts(String service) {
    Map<Integer, Integer> ports = new TreeMap<>();
    for (String mapping : ports(service)) {
      String[] parts = mapping.split(":");
      ports.put(Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
    }
    return ports;
  }

  @SuppressWarnings("unchecked")
  private static String healthcheck(String service) {
    Map<String, Object> check = (Map<String, Object>) service(service).get("healthcheck");
    return check == null ? "" : String.join(" ", (List<String>) check.get("test"));
  }

  /**
   * The service's environment as the container sees it, with compose's interpolation applied as
   * for a user who set every required variable and none of the optional ones.
   */
  @SuppressWarnings("unchecked")
  private static Map<String, String> environment(String service) {
    Map<String, Object> raw =
        (Map<String, Object>) service(service).getOrDefault("environment", Map.of());
    Map<String, String> env = new LinkedHashMap<>();
    raw.forEach((name, value) -> env.put(name, interpolate(String.valueOf(value))));
    return env;
  }

  private static String interpolate(String value) {
    Matcher m = INTERPOLATION.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String replacement = "?".equals(m.group(2))
          ? "required-" + m.group(1).toLowerCase()
          : m.group(3) == null ? "" : m.group(3);
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static Properties connectWorker() throws IOException {
    Properties p = new Properties();
    try (Reader in =
        Files.newBufferedReader(ROOT.resolve("deploy/connect/connect-distributed.properties"))) {
      p.load(in);
    }
    return p;
  }
}
