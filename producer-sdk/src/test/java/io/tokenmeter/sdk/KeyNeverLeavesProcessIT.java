package io.tokenmeter.sdk;

import static io.tokenmeter.sdk.BrokerSupport.createTopic;
import static io.tokenmeter.sdk.BrokerSupport.readRaw;
import static io.tokenmeter.sdk.BrokerSupport.sdk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tokenmeter.testkit.junit.SharedBroker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The plaintext API key never leaves the process: not in any byte the SDK writes to Kafka (keys,
 * values, headers), not in its log output, not in toString() of anything it hands back. Every
 * path that logs is driven with the key present: a sent event, an invalid one, a serialization
 * failure, a broker that cannot be reached, and track() around failing and succeeding calls.
 */
class KeyNeverLeavesProcessIT {

  // Unique per run, so nothing else in the log or the topic can contain it by accident.
  private static final String SECRET_PART =
      "LEAK" + UUID.randomUUID().toString().replace("-", "");
  private static final String KEY = "sk-proj-" + SECRET_PART + "9z8y";

  @RegisterExtension
  static final SharedBroker broker = new SharedBroker();

  @Test
  void plaintextKeyIsInNoRecordByteNoLogLineAndNoToString() throws Exception {
    String topic = "llm.calls.leak";
    createTopic(broker.bootstrapServers(), topic);
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    List<String> shown = new ArrayList<>();
    LlmCall withKey = LlmCall.builder()
        .provider("openai")
        .operation("chat")
        .requestModel("gpt-4o")
        .apiKey("Bearer " + KEY)
        .orgId("org_leak")
        .build();
    shown.add(withKey.toString());

    String fingerprint;
    try (Tokenmeter tm = sdk(broker.bootstrapServers(), topic).build()) {
      shown.add(tm.toString());
      tm.record(withKey);
      tm.record(LlmCall.builder().apiKey(KEY).provider("openai").build()); // invalid: logged
      HttpClient http = HttpClient.newHttpClient();
      HttpRequest refused = HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + closedPort + "/v1"))
          .build();
      assertThatThrownBy(() ->
              tm.track(withKey, () -> http.send(refused, HttpResponse.BodyHandlers.ofString())))
          .isInstanceOf(ConnectException.class);
      assertThat(tm.flush(Duration.ofSeconds(30))).isTrue();
      shown.add(tm.stats().toString());
      assertThat(tm.stats().sent()).isEqualTo(2);
      assertThat(tm.stats().droppedInvalid()).isEqualTo(1);
    }

    // A serialization failure (registry unreachable) and a broker that cannot be reached both
    // log their causes; the key must not be in them either.
    try (Tokenmeter badRegistry = sdk(broker.bootstrapServers(), topic)
        .schemaRegistryUrl("http://127.0.0.1:" + closedPort)
        .build()) {
      badRegistry.record(withKey);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> badRegistry.stats().droppedSerialization() == 1);
    }
    try (Tokenmeter noBroker = sdk("127.0.0.1:" + closedPort, topic)
        .producerProperty("max.block.ms", 100)
        .deliveryTimeout(Duration.ofSeconds(1))
        .build()) {
      noBroker.record(withKey);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> noBroker.stats().droppedBrokerUnavailable() == 1);
    }

    List<ConsumerRecord<byte[], byte[]>> records =
        readRaw(broker.bootstrapServers(), topic, r -> r.size() >= 2);
    assertThat(records).hasSize(2);
    ByteArrayOutputStream everything = new ByteArrayOutputStream();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      everything.write(r.key() == null ? new byte[0] : r.key());
      everything.write(r.value());
      for (Header h : r.headers()) {
        everything.write(h.key().getBytes(StandardCharsets.UTF_8));
        everything.write(h.value() == null ? new byte[0] : h.value());
      }
    }
    // ISO-8859-1 maps every byte to one char, so a substring search is a byte search.
    String onTheWire = everything.toString(StandardCharsets.ISO_8859_1);
    fingerprint = new io.tokenmeter.sdk.internal.KeyFingerprints(
            BrokerSupport.SECRET.getBytes(StandardCharsets.UTF_8))
        .identify(KEY)
        .fingerprint();
    assertThat(onTheWire)
        .as("the scan sees the event text")
        .contains(fingerprint)
        .contains("sk-...9z8y");
    assertNoPartOfTheKey(onTheWire, "the records on the topic");

    Path log = Path.of(
        System.getProperty("org.slf4j.simpleLogger.logFile", "target/sdk-integration-tests.log"));
    String logText = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(logText)
        .as("the scan sees the SDK's log output")
        .contains("Tokenmeter dropped an event (invalid)")
        .contains("Tokenmeter dropped an event (serialization)")
        .contains("Tokenmeter dropped an event (broker_unavailable)");
    assertNoPartOfTheKey(logText, "the log output");
    for (String s : shown) {
      assertNoPartOfTheKey(s, "a toString()");
    }
  }

  /** Neither the key nor any 8-character piece of its secret part. */
  private static void assertNoPartOfTheKey(String text, String where) throws IOException {
    assertThat(text).as(where).doesNotContain(KEY);
    for (int i = 0; i + 8 <= SECRET_PART.length(); i++) {
      String piece = SECRET_PART.substring(i, i + 8);
      assertThat(text).as("%s contains the key piece %s", where, piece).doesNotContain(piece);
    }
  }
}
