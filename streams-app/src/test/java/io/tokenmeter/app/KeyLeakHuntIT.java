package io.tokenmeter.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.tokenmeter.cli.TokenmeterCli;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.serde.AvroSerdeConfig;
import io.tokenmeter.schemas.serde.AvroSerializer;
import io.tokenmeter.sdk.LlmCall;
import io.tokenmeter.sdk.Tokenmeter;
import io.tokenmeter.sdk.internal.KeyFingerprints;
import io.tokenmeter.testkit.FreePorts;
import io.tokenmeter.testkit.junit.SharedBroker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Hunts for plaintext API keys (and the deployment's own secrets) everywhere a short, realistic
 * run leaves bytes: every topic on the broker including Streams' changelogs and repartition topics
 * and the broker's own (read uncommitted, so aborted data counts), the app's state directory, the
 * DEBUG log of the app (Kafka clients included) and its embedded router, the SDK's log, the CLI's
 * output, every HTTP answer the test fetched (including 400, 401 and 404) and every webhook body.
 *
 * <p>The keys are random per run. Each is looked for whole, as its secret part, as 12-character
 * pieces of that, and as Base64 at every byte alignment. The failure message names where a key
 * was found, never the bytes around it, so the test's own output cannot leak one either. The
 * fingerprints and hints are asserted to be there, so an empty pipeline cannot pass.
 *
 * <p>One key is allowed in two places: the malformed record's key sits in the calls topic, where
 * a producer that is not the SDK put it, and in the dead-letter topic, which keeps the original
 * bytes by design. It must not spread from there into logs, state, alerts or answers.
 */
// Scans this JVM's stderr for keys: another test class's output there would be scanned too.
@Isolated
class KeyLeakHuntIT {

  private static final String FINGERPRINT_SECRET = "leak-hunt-it-fingerprint-secret-0123456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  @RegisterExtension
  static final SharedBroker broker = new SharedBroker();

  // Kept when the test fails: the logs are where a finding is explained.
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

  /**
   * A secret of this run: the text as it was handed over, and its random part (what must never
   * appear in any form). The last four characters of an API key are outside the secret part:
   * the SDK's hint shows them by design.
   */
  record Secret(String label, String text, String secretPart) {

    static Secret apiKey(String label, String prefix) {
      String secretPart = "LEAK" + randomHex(18);
      return new Secret(label, prefix + secretPart + randomHex(2), secretPart);
    }

    static Secret token(String label, String prefix) {
      String secretPart = "TOKEN" + randomHex(18);
      return new Secret(label, prefix + secretPart, secretPart);
    }

    String bareKey() {
      return text.startsWith("Bearer ") ? text.substring("Bearer ".length()) : text;
    }

    /** Kind of match → the string to look for, compared byte for byte (all ASCII). */
    Map<String, String> needles() {
      Map<String, String> n = new LinkedHashMap<>();
      n.put("the whole text", text);
      n.put("the secret part", secretPart);
      for (int i = 0; i + 12 <= secretPart.length(); i += 7) {
        n.put("a 12-character piece at " + i, secretPart.substring(i, i + 12));
      }
      byte[] bytes = secretPart.getBytes(StandardCharsets.US_ASCII);
      for (int shift = 0; shift < 3; shift++) {
        byte[] shifted = new byte[shift + bytes.length];
        System.arraycopy(bytes, 0, shifted, shift, bytes.length);
        // Characters that depend only on the secret's bytes, whatever precedes it.
        int from = shift == 0 ? 0 : 4;
        int to = 4 * ((shift + bytes.length) / 3);
        n.put(
            "Base64 at alignment " + shift,
            Base64.getEncoder().encodeToString(shifted).substring(from, to));
        n.put(
            "URL-safe Base64 at alignment " + shift,
            Base64.getUrlEncoder().encodeToString(shifted).substring(from, to));
      }
      return n;
    }
  }

  /** Bytes the run left somewhere, named for the failure message. */
  record Place(String where, byte[] bytes) {}

  @Test
  void noPlaintextKeyOrSecretReachesAnyTopicStateFileLogOrAnswer() throws Exception {
    Secret proj = Secret.apiKey("SDK key sk-proj-", "sk-proj-");
    Secret ant = Secret.apiKey("SDK key sk-ant-", "sk-ant-api03-");
    Secret bearer = Secret.apiKey("SDK key as Bearer header", "Bearer sk-");
    Secret cliKey = Secret.apiKey("key handed to tokenmeter produce", "sk-proj-");
    Secret wrongCredential = Secret.apiKey("key sent as a wrong HTTP credential", "sk-");
    Secret malformedKey = Secret.apiKey("key in a malformed record", "sk-proj-");
    Secret pastedKey =
        Secret.apiKey("key pasted into api_key_hint by another producer", "sk-proj-");
    Secret httpToken = Secret.token("http.auth.token", "tm-");
    Secret webhookAuth = Secret.token("router.webhook.authorization", "Bearer whsec-");
    List<Secret> secrets = List.of(
        proj,
        ant,
        bearer,
        cliKey,
        wrongCredential,
        malformedKey,
        pastedKey,
        httpToken,
        webhookAuth);

    KeyFingerprints fingerprints =
        new KeyFingerprints(FINGERPRINT_SECRET.getBytes(StandardCharsets.UTF_8));
    KeyFingerprints.Identity projId = fingerprints.identify(proj.text());
    KeyFingerprints.Identity antId = fingerprints.identify(ant.text());
    KeyFingerprints.Identity bearerId = fingerprints.identify(bearer.text());

    List<Place> places = new ArrayList<>();
    List<String> webhookBodies = new CopyOnWriteArrayList<>();
    List<String> webhookAuthorizations = new CopyOnWriteArrayList<>();
    HttpServer webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    webhook.createContext("/hook", exchange -> {
      try (exchange) {
        webhookAuthorizations.add(
            String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
        Map<String, List<String>> headers = new TreeMap<>(exchange.getRequestHeaders());
        // The one place the webhook secret belongs; checked above, not scanned.
        headers.remove("Authorization");
        webhookBodies.add(headers + "\n"
            + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        exchange.sendResponseHeaders(200, -1);
      }
    });
    webhook.start();

    AppConfig config = AppConfig.create(broker.bootstrapServers(), dir, 1, Duration.ofSeconds(1));
    String suffix = config.calls().substring(config.calls().lastIndexOf('.') + 1);
    String deadLetters = "llm.calls.dlq." + suffix;
    Path stateDir = dir.resolve("state");
    int httpPort = FreePorts.next();
    Map<String, String> props = new TreeMap<>(config.instance("exactly_once_v2", stateDir));
    props.put("http.enabled", "true");
    props.put("http.host", "127.0.0.1");
    props.put("http.port", Integer.toString(httpPort));
    props.put("http.auth.token", httpToken.text());
    props.put("router.enabled", "true");
    props.put("router.group.id", "leak-hunt-router-" + suffix);
    props.put("router.webhook.url", "http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook");
    props.put("router.webhook.authorization", webhookAuth.text());
    // The sk-ant key is not on the list: key_not_allowed fires for it.
    props.put("alerts.key.allow.list", projId.fingerprint() + "," + bearerId.fingerprint());

    HttpClient http =
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    String base = "http://127.0.0.1:" + httpPort;
    String goodBearer = "Bearer " + httpToken.text();
    List<String> shown = new ArrayList<>();
    try (AppProcess app = AppProcess.start(
        "app",
        dir,
        props,
        AppProcess.Launch.RUN.withJvmOptions(
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=debug",
            "-Dorg.slf4j.simpleLogger.log.io.tokenmeter=debug"))) {
      app.awaitRunning();

      // 1. The SDK, in this JVM, with its log output captured (and not printed: it is scanned).
      Instant at = Instant.ofEpochMilli(
              Math.floorDiv(System.currentTimeMillis(), 60_000L) * 60_000L)
          .minusSeconds(90);
      ByteArrayOutputStream sdkLog = new ByteArrayOutputStream();
      PrintStream stderr = System.err;
      System.setErr(new PrintStream(sdkLog, true, StandardCharsets.UTF_8));
      try (Tokenmeter sdk = Tokenmeter.builder()
          .bootstrapServers(broker.bootstrapServers())
          .topic(config.calls())
          .service("leak-hunt")
          .environment("it")
          .fingerprintSecret(FINGERPRINT_SECRET)
          .build()) {
        shown.add(sdk.toString());
        List<LlmCall> calls = List.of(
            call(at, proj.text(), "openai", "gpt-4o").statusCode(200).build(),
            call(at.plusSeconds(1), proj.text(), "openai", "gpt-4o")
                .responseBody(
                    "{\"model\":\"gpt-4o-2024-08-06\",\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3}}")
                .statusCode(200)
                .build(),
            // Unpriced and not on the allow-list.
            call(at.plusSeconds(2), ant.text(), "self-hosted", "local-llama")
                .statusCode(200)
                .build(),
            // A provider that quotes the key back in its error, as some do.
            call(at.plusSeconds(3), bearer.text(), "openai", "gpt-4o")
                .statusCode(401)
                .responseBody(
                    "{\"error\":{\"message\":\"Incorrect API key provided: " + bearer.bareKey()
                        + "\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}")
                .build(),
            call(at.plusSeconds(4), bearer.text(), "openai", "gpt-4o")
                .error(new IOException(
                    "connection reset while sending Authorization: " + bearer.text()))
                .build());
        for (LlmCall call : calls) {
          shown.add(call.toString());
          sdk.record(call);
        }
        // Invalid (no operation, no model): dropped and logged, key and all.
        sdk.record(LlmCall.builder().provider("openai").apiKey(proj.text()).build());
        assertThat(sdk.flush(Duration.ofSeconds(30))).isTrue();
        shown.add(sdk.stats().toString());
        assertThat(sdk.stats().sent()).isEqualTo(calls.size());
        assertThat(sdk.stats().droppedInvalid()).isEqualTo(1);
      } finally {
        System.setErr(stderr);
      }
      places.add(new Place("the SDK's log output", sdkLog.toByteArray()));

      // 2. A record that is not an event, from some other producer: dead-lettered with its bytes.
      try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(
          Map.of("bootstrap.servers", broker.bootstrapServers()),
          new ByteArraySerializer(),
          new ByteArraySerializer())) {
        raw.send(new ProducerRecord<>(
                config.calls(),
                null,
                at.toEpochMilli(),
                "org-1/proj-1".getBytes(StandardCharsets.UTF_8),
                ("{\"provider\":\"openai\",\"api_key\":\"" + malformedKey.text() + "\"}")
                    .getBytes(StandardCharsets.UTF_8)))
            .get(30, TimeUnit.SECONDS);
        // A well-formed event whose api_key_hint holds a whole key: the app dead-letters a copy
        // with the key fields redacted, so the key stays in the calls topic, where it was put.
        LlmCallEvent pasted = io.tokenmeter.rollup.Calls.call(at)
            .setEventId("pasted-1")
            .setApiKeyHint(pastedKey.text())
            .build();
        raw.send(new ProducerRecord<>(
                config.calls(),
                null,
                at.toEpochMilli(),
                "org-1/proj-1".getBytes(StandardCharsets.UTF_8),
                new AvroSerializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry())
                    .serialize(config.calls(), pasted)))
            .get(30, TimeUnit.SECONDS);
      }

      // 3. tokenmeter produce refuses lines that carry a key; its messages must not repeat it.
      Path cliOut = runProduce(
          config.calls(),
          List.of(
              eventLine("cli-1", at, "\"api_key_hint\":\"" + cliKey.text() + "\""),
              eventLine("cli-2", at, "\"api_key_fingerprint\":\"" + cliKey.text() + "\""),
              eventLine("cli-3", at, "\"api_key\":\"" + cliKey.text() + "\""),
              eventLine("cli-4", at, "\"input_tokens\":\"" + cliKey.text() + "\""),
              eventLine("cli-5", at, "\"environment\":" + "{\"key\":\"" + cliKey.text() + "\"}"),
              "{\"event_id\":\"cli-6\",\"api_key\":" + cliKey.text() + "}"));
      String cliText = Files.readString(cliOut, StandardCharsets.UTF_8);
      assertHolds(
          cliText,
          "the output of tokenmeter produce",
          "line 1: api_key_hint: not a key hint",
          "line 2: api_key_fingerprint: not 32 hex",
          "plaintext API keys are never accepted",
          "sent 0");
      places.add(
          new Place("the output of tokenmeter produce", cliText.getBytes(StandardCharsets.UTF_8)));

      // 4. Everything flows: alerts reach the webhook, final rollups are queryable.
      await("key_not_allowed, unauthorized_key and unpriced_model reach the webhook")
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> {
            String all = String.join("\n", webhookBodies);
            return all.contains("key_not_allowed")
                && all.contains("unauthorized_key")
                && all.contains("unpriced_model");
          });
      await("the final rollups of the three keys are queryable")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .ignoreExceptions()
          .until(() -> {
            String top = fetch(
                    http, base + "/api/v1/top?by=requests&group=key&n=100&last=1h", goodBearer)
                .body();
            return top.contains(projId.fingerprint())
                && top.contains(antId.fingerprint())
                && top.contains(bearerId.fingerprint());
          });
      assertThat(!webhookAuthorizations.isEmpty()
              && webhookAuthorizations.stream().allMatch(webhookAuth.text()::equals))
          .as("the router sent its configured Authorization with every delivery")
          .isTrue();

      // 5. Every HTTP answer: the query API, the peer endpoints, the dashboard, and the errors.
      long now = System.currentTimeMillis();
      Map<String, String> authorized = new LinkedHashMap<>();
      for (String path : List.of(
          "/api/v1/alerts",
          "/api/v1/top?by=cost&group=key&last=1h",
          "/api/v1/top?by=requests&group=model&last=1h",
          "/api/v1/top?by=errors&group=org&last=1h",
          "/api/v1/series?metric=requests&group_by=key&last=1h",
          "/api/v1/series?metric=cost_micros&group_by=model&last=1h",
          "/api/v1/rollups?last=1h",
          "/api/v1/rollups?last=1h&key=" + antId.fingerprint(),
          "/internal/v1/alerts",
          "/internal/v1/rollups?from=" + (now - 3_600_000) + "&to=" + now,
          "/",
          "/dashboard/dashboard.js",
          "/api/v1/top?n=0",
          "/api/v1/series?last=1h",
          "/api/v1/nope",
          "/nope")) {
        authorized.put(path, goodBearer);
      }
      String basicWrong = "Basic "
          + Base64.getEncoder()
              .encodeToString(("admin:" + wrongCredential.text()).getBytes(StandardCharsets.UTF_8));
      String basicRight = "Basic "
          + Base64.getEncoder()
              .encodeToString(("admin:" + httpToken.text()).getBytes(StandardCharsets.UTF_8));
      List<String[]> requests = new ArrayList<>();
      authorized.forEach(
          (path, auth) -> requests.add(new String[] {path, auth, "the token as Bearer"}));
      requests.add(new String[] {"/", basicRight, "the token as Basic password"});
      requests.add(new String[] {"/api/v1/alerts", basicRight, "the token as Basic password"});
      requests.add(new String[] {"/health", null, "no credentials"});
      requests.add(new String[] {"/api/v1/alerts", null, "no credentials"});
      requests.add(new String[] {"/", null, "no credentials"});
      requests.add(
          new String[] {"/api/v1/alerts", "Bearer " + wrongCredential.text(), "a key as Bearer"});
      requests.add(new String[] {"/api/v1/rollups?last=1h", wrongCredential.text(), "a bare key"});
      requests.add(new String[] {"/", basicWrong, "a key as Basic password"});
      requests.add(
          new String[] {"/internal/v1/alerts", "Bearer " + wrongCredential.text(), "a key as Bearer"
          });
      Map<Integer, Integer> statuses = new TreeMap<>();
      for (String[] r : requests) {
        HttpResponse<String> response = fetch(http, base + r[0], r[1]);
        statuses.merge(response.statusCode(), 1, Integer::sum);
        String transcript =
            response.statusCode() + "\n" + response.headers().map() + "\n" + response.body();
        places.add(new Place(
            "the HTTP answer to GET " + r[0] + " with " + r[2] + " (" + response.statusCode() + ")",
            transcript.getBytes(StandardCharsets.UTF_8)));
      }
      assertThat(statuses).as("answers by status").containsKeys(200, 400, 401, 404);
      assertThat(statuses.get(401)).as("refusals").isEqualTo(6);

      // 6. A clean stop flushes the stores to disk, so the state directory shows what they hold.
      app.stop();
      places.add(
          new Place("the app's log (DEBUG, router included)", Files.readAllBytes(app.log())));
      assertHolds(
          text(places, "the app's log"), "the app's log", "PENDING_SHUTDOWN -> NOT_RUNNING");
    } finally {
      webhook.stop(0);
    }

    for (int i = 0; i < webhookBodies.size(); i++) {
      places.add(new Place(
          "webhook delivery " + i, webhookBodies.get(i).getBytes(StandardCharsets.UTF_8)));
    }
    for (int i = 0; i < shown.size(); i++) {
      places.add(new Place(
          "toString() " + i + " seen by the caller",
          shown.get(i).getBytes(StandardCharsets.UTF_8)));
    }
    Map<String, byte[]> topics = new TreeMap<>();
    everyTopic(broker.bootstrapServers()).forEach((topic, parts) -> {
      places.add(new Place("topic " + topic + ": record values", parts[0]));
      places.add(new Place("topic " + topic + ": record keys and headers", parts[1]));
      topics.put(topic, parts[0]);
    });
    List<Place> stateFiles = filesUnder(stateDir, "state file ");
    places.addAll(stateFiles);
    places.add(new Place("the broker's log", Files.readAllBytes(broker.get().logFile())));
    List<Place> brokerFiles = filesUnder(broker.get().dataDir(), "broker data file ");

    // The scan sees the data: fingerprints and hints went everywhere the keys did not.
    assertHolds(
        text(places, "the app's log"),
        "the app's log (DEBUG, Kafka clients included)",
        "DEBUG org.apache.kafka.clients.NetworkClient",
        "DEBUG org.apache.kafka.clients.admin.KafkaAdminClient",
        "DEBUG org.apache.kafka.streams.processor.internals.StreamThread",
        "alert router");
    assertHolds(
        text(places, "the SDK's log"), "the SDK's log", "Tokenmeter dropped an event (invalid)");
    for (KeyFingerprints.Identity id : List.of(projId, antId, bearerId)) {
      assertHolds(
          new String(topics.get(config.calls()), StandardCharsets.ISO_8859_1),
          "the calls topic",
          id.fingerprint(),
          id.hint());
      assertHolds(
          new String(topics.get(config.rollups()), StandardCharsets.ISO_8859_1),
          "the rollups topic",
          id.fingerprint(),
          id.hint());
      assertHolds(
          text(places, "the HTTP answer to GET /api/v1/top?by=cost&group=key"),
          "the top keys answer",
          id.fingerprint(),
          id.hint());
    }
    assertHolds(
        String.join("\n", webhookBodies),
        "the webhook deliveries",
        antId.fingerprint(),
        bearerId.fingerprint(),
        antId.hint());
    assertThat(topics)
        .containsKeys(
            config.applicationId() + "-query-rollups-changelog",
            "__consumer_offsets",
            "__transaction_state");
    assertThat(topics.keySet())
        .as("Streams' repartition topics are scanned")
        .anyMatch(t -> t.startsWith(config.applicationId()) && t.endsWith("-repartition"));
    assertThat(stateFiles.stream().map(p -> new String(p.bytes(), StandardCharsets.ISO_8859_1)))
        .as("the state files hold the fingerprints uncompressed (Kafka Streams' RocksDB default)")
        .anyMatch(s -> s.contains(projId.fingerprint()));
    assertThat(new String(topics.get(deadLetters), StandardCharsets.ISO_8859_1)
            .contains(malformedKey.text()))
        .as("the dead-letter topic holds the malformed record's original bytes")
        .isTrue();
    assertHolds(
        new String(topics.get(deadLetters), StandardCharsets.ISO_8859_1),
        "the dead-letter topic",
        "pasted-1",
        "[redacted]");

    List<String> found = new ArrayList<>();
    for (Place place : places) {
      String haystack = new String(place.bytes(), StandardCharsets.ISO_8859_1);
      for (Secret secret : secrets) {
        // Its original bytes, that is: not its dead-letter headers, which say why it was refused.
        if (secret == malformedKey
            && (place.where().equals("topic " + config.calls() + ": record values")
                || place.where().equals("topic " + deadLetters + ": record values"))) {
          continue;
        }
        if (secret == pastedKey
            && place.where().equals("topic " + config.calls() + ": record values")) {
          continue;
        }
        scan(haystack, place.where(), secret, found);
      }
    }
    for (Place place : brokerFiles) {
      String haystack = new String(place.bytes(), StandardCharsets.ISO_8859_1);
      for (Secret secret : secrets) {
        // The calls and dead-letter segments hold the malformed record, as above; the calls
        // segments hold the pasted key, which its producer wrote there.
        boolean callsSegment = place.where().contains("/" + config.calls() + "-");
        if (secret != malformedKey && !(secret == pastedKey && callsSegment)) {
          scan(haystack, place.where(), secret, found);
        }
      }
    }
    assertThat(found).as("secrets found (logs under " + dir + ")").isEmpty();
  }

  /** Checks presence without AssertJ quoting the haystack, which may hold what the scan looks for. */
  private static void assertHolds(String haystack, String where, String... expected) {
    for (String e : expected) {
      assertThat(haystack.contains(e)).as("%s contains '%s'", where, e).isTrue();
    }
  }

  private static void scan(String haystack, String where, Secret secret, List<String> found) {
    for (Map.Entry<String, String> needle : secret.needles().entrySet()) {
      if (haystack.contains(needle.getValue())) {
        found.add(where + " contains the " + secret.label() + ": " + needle.getKey());
        return;
      }
    }
  }

  private static LlmCall.Builder call(Instant at, String apiKey, String provider, String model) {
    return LlmCall.builder()
        .timestamp(at)
        .provider(provider)
        .operation("chat")
        .requestModel(model)
        .orgId("org-1")
        .projectId("proj-1")
        .apiKey(apiKey)
        .inputTokens(10)
        .outputTokens(5)
        .durationMs(40);
  }

  /** A line that would be a valid event but for {@code extra}. */
  private static String eventLine(String id, Instant at, String extra) {
    return "{\"event_id\":\"" + id + "\",\"timestamp\":" + at.toEpochMilli()
        + ",\"sdk\":{\"name\":\"hand-written\",\"version\":\"1\"},\"service\":\"leak-hunt\",\"environment\":\"it\""
        + ",\"provider\":\"openai\",\"operation\":\"chat\",\"request_model\":\"gpt-4o\"," + extra
        + "}";
  }

  /** {@code tokenmeter produce} in a child JVM, as a user runs it; its stdout and stderr in one file. */
  private Path runProduce(String topic, List<String> lines) throws Exception {
    Path input = dir.resolve("events.jsonl");
    Files.write(input, lines, StandardCharsets.UTF_8);
    Path out = dir.resolve("produce.out");
    Process p = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx256m",
            "-cp",
            AppProcess.classpath(),
            TokenmeterCli.class.getName(),
            "produce",
            "--bootstrap-server",
            broker.bootstrapServers(),
            "--topic",
            topic,
            "--input",
            input.toString())
        .redirectErrorStream(true)
        .redirectOutput(out.toFile())
        .start();
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("tokenmeter produce ends").isTrue();
    assertThat(p.exitValue()).as("tokenmeter produce: some lines skipped").isEqualTo(2);
    return out;
  }

  private static HttpResponse<String> fetch(HttpClient http, String url, String authorization)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).GET();
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /**
   * Every record of every topic, internal ones included, from the beginning and uncommitted (an
   * aborted transaction's records count), per topic: the values, then the keys with the header
   * names and values.
   */
  private static Map<String, byte[][]> everyTopic(String bootstrapServers) throws Exception {
    Map<String, byte[][]> out = new TreeMap<>();
    try (Admin admin =
            Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_uncommitted",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      Set<String> names = admin
          .listTopics(new ListTopicsOptions().listInternal(true))
          .names()
          .get(30, TimeUnit.SECONDS);
      List<TopicPartition> partitions = new ArrayList<>();
      for (TopicDescription d :
          admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS).values()) {
        d.partitions().forEach(p -> partitions.add(new TopicPartition(d.name(), p.partition())));
      }
      Map<String, ByteArrayOutputStream> values = new TreeMap<>();
      Map<String, ByteArrayOutputStream> keysAndHeaders = new TreeMap<>();
      names.forEach(n -> {
        values.put(n, new ByteArrayOutputStream());
        keysAndHeaders.put(n, new ByteArrayOutputStream());
      });
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      await("every topic read to its end")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ZERO)
          .until(() -> {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
              ByteArrayOutputStream v = values.get(r.topic());
              v.writeBytes(r.value() == null ? new byte[0] : r.value());
              v.write('\n');
              ByteArrayOutputStream b = keysAndHeaders.get(r.topic());
              b.writeBytes(r.key() == null ? new byte[0] : r.key());
              b.write('\n');
              for (Header h : r.headers()) {
                b.writeBytes(h.key().getBytes(StandardCharsets.UTF_8));
                b.writeBytes(h.value() == null ? new byte[0] : h.value());
                b.write('\n');
              }
            }
            return end.entrySet().stream()
                .allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
          });
      names.forEach(t -> out.put(
          t, new byte[][] {values.get(t).toByteArray(), keysAndHeaders.get(t).toByteArray()}));
    }
    return out;
  }

  private static List<Place> filesUnder(Path root, String label) throws IOException {
    List<Place> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
        try {
          files.add(new Place(label + root.relativize(f), Files.readAllBytes(f)));
        } catch (java.nio.file.NoSuchFileException gone) {
          // A broker file rolled or deleted while walking: its bytes moved to a file still listed.
        }
      }
    }
    assertThat(files).as("files under " + root).isNotEmpty();
    return files;
  }

  private static String text(List<Place> places, String wherePrefix) {
    StringBuilder sb = new StringBuilder();
    places.stream()
        .filter(p -> p.where().startsWith(wherePrefix))
        .forEach(
            p -> sb.append(new String(p.bytes(), StandardCharsets.ISO_8859_1)).append('\n'));
    assertThat(sb).as("something was collected from " + wherePrefix).isNotEmpty();
    return sb.toString();
  }

  private static String randomHex(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
