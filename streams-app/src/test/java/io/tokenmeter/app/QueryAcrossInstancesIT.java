package io.tokenmeter.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenmeter.app.CallTrace.RollupId;
import io.tokenmeter.app.CallTrace.Totals;
import io.tokenmeter.config.PricingSettings;
import io.tokenmeter.cost.Pricing;
import io.tokenmeter.cost.TablePricing;
import io.tokenmeter.testkit.FreePorts;
import io.tokenmeter.testkit.junit.SharedBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two app processes share the partitions; each serves the query API. Asking either one gives the
 * totals of all partitions (it asks the other for its part), and a query for one org/project is
 * answered right by the instance that does not own it (it forwards to the owner). Both have the
 * same {@code http.auth.token}, so that the instances' requests to each other must carry it.
 */
class QueryAcrossInstancesIT {

  private static final int PARTITIONS = 4;
  private static final int EVENTS = 3_000;
  private static final Duration GRACE = Duration.ofSeconds(5);

  @RegisterExtension
  static final SharedBroker broker = new SharedBroker();

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper json = new ObjectMapper();
  private final String token = "tm-" + java.util.UUID.randomUUID();

  @TempDir
  Path dir;

  @Test
  void eitherInstanceAnswersWithTheTotalsOfAllPartitions() throws Exception {
    AppConfig config = AppConfig.create(broker.bootstrapServers(), dir, PARTITIONS, GRACE);
    Pricing pricing = TablePricing.from(new PricingSettings(Optional.of(config.priceFile())));
    Instant lastMinute =
        Instant.ofEpochMilli(Math.floorDiv(System.currentTimeMillis(), 60_000L) * 60_000L);
    CallTrace trace = CallTrace.generate(
        7L,
        EVENTS,
        lastMinute.minus(Duration.ofMinutes(5)),
        Duration.ofMinutes(4),
        Duration.ofSeconds(1));
    Map<RollupId, Totals> reference = trace.reference(pricing);
    Map<String, Long> requestsByOrgProject = new TreeMap<>();
    Map<String, Long> costByOrg = new TreeMap<>();
    reference.forEach((id, t) -> {
      requestsByOrgProject.merge(id.org() + "/" + id.project(), t.requests(), Long::sum);
      if (t.costMicros() != null) {
        costByOrg.merge(id.org(), t.costMicros(), Long::sum);
      }
    });

    int portOne = FreePorts.next();
    int portTwo = FreePorts.next();
    try (AppProcess one = AppProcess.start(
            "one",
            dir,
            withHttp(config.instance("exactly_once_v2", dir.resolve("state-one")), portOne));
        AppProcess two = AppProcess.start(
            "two",
            dir,
            withHttp(config.instance("exactly_once_v2", dir.resolve("state-two")), portTwo));
        StreamsGroupProbe group = new StreamsGroupProbe(
            broker.bootstrapServers(), config.applicationId(), config.calls())) {
      one.awaitRunning();
      two.awaitRunning();
      await("both instances hold input partitions")
          .atMost(Duration.ofMinutes(1))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> {
            Map<String, Set<Integer>> byMember = group.inputPartitionsByMember();
            return byMember.size() == 2 && byMember.values().stream().noneMatch(Set::isEmpty);
          });

      try (CallPublisher publisher =
          CallPublisher.start(broker.bootstrapServers(), config.calls(), trace, 1_500)) {
        publisher.done().get(1, TimeUnit.MINUTES);
      }

      for (int port : List.of(portOne, portTwo)) {
        await("instance on " + port + " answers with every org's cost")
            .atMost(Duration.ofMinutes(1))
            .pollInterval(Duration.ofMillis(500))
            .ignoreExceptions()
            .untilAsserted(() -> assertThat(costByGroup(port)).isEqualTo(costByOrg));
      }
      // Each instance holds some of the data only, so the totals above needed the other's part, and
      // each is not the owner of some org/project below.
      long now = System.currentTimeMillis();
      int localOne = get(portOne, "/internal/v1/rollups?from=" + (now - 3_600_000) + "&to=" + now)
          .path("rollups")
          .size();
      int localTwo = get(portTwo, "/internal/v1/rollups?from=" + (now - 3_600_000) + "&to=" + now)
          .path("rollups")
          .size();
      assertThat(localOne).as("rollups held by one").isPositive();
      assertThat(localTwo).as("rollups held by two").isPositive();
      assertThat(localOne + localTwo).as("each rollup held once").isEqualTo(reference.size());
      for (int port : List.of(portOne, portTwo)) {
        for (Map.Entry<String, Long> expected : requestsByOrgProject.entrySet()) {
          String[] orgProject = expected.getKey().split("/");
          assertThat(requestsOf(port, orgProject[0], orgProject[1]))
              .as("requests of %s asked on %d", expected.getKey(), port)
              .isEqualTo(expected.getValue());
        }
      }
      one.stop();
      two.stop();
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError(
          e.getMessage() + "\napp logs " + dir.resolve("one.log") + ", " + dir.resolve("two.log"),
          e);
    }
  }

  private Map<String, String> withHttp(Map<String, String> instance, int port) {
    Map<String, String> p = new TreeMap<>(instance);
    p.put("http.enabled", "true");
    p.put("http.host", "127.0.0.1");
    p.put("http.port", Integer.toString(port));
    p.put("http.auth.token", token);
    return p;
  }

  private Map<String, Long> costByGroup(int port) throws Exception {
    JsonNode rows = get(port, "/api/v1/top?by=cost&group=org&n=1000&last=1h").path("rows");
    Map<String, Long> cost = new TreeMap<>();
    rows.forEach(r -> {
      if (!r.path("cost_micros").isNull()) {
        cost.put(r.path("group").asText(), r.path("cost_micros").asLong());
      }
    });
    return cost;
  }

  /** The sum of the per-minute request series of one org/project. */
  private long requestsOf(int port, String org, String project) throws Exception {
    JsonNode series = get(
            port, "/api/v1/series?metric=requests&last=1h&org=" + org + "&project=" + project)
        .path("series");
    long sum = 0;
    for (JsonNode s : series) {
      for (JsonNode point : s.path("points")) {
        sum += point.get(1).asLong();
      }
    }
    return sum;
  }

  private JsonNode get(int port, String path) throws Exception {
    HttpResponse<String> r = http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Authorization", "Bearer " + token)
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + " on " + port + ": " + r.body()).isEqualTo(200);
    return json.readTree(r.body());
  }
}
