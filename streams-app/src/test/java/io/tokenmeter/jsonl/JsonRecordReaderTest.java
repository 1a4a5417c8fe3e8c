package io.tokenmeter.jsonl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.AlertState;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.UsageRollup;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonRecordReaderTest {

  private final JsonRecordReader<LlmCallEvent> calls = JsonRecordReader.forType(LlmCallEvent.class);

  @Test
  void readsEveryFieldOfACallEventIncludingNestedRecords() throws Exception {
    LlmCallEvent e = calls.read(JsonLines.CALL);

    assertThat(e.getEventId()).isEqualTo("evt-1");
    assertThat(e.getTimestamp()).isEqualTo(Instant.ofEpochMilli(1764230400123L));
    assertThat(e.getSdk().getName()).isEqualTo("tokenmeter-java");
    assertThat(e.getOrgId()).isEqualTo("org-acme");
    assertThat(e.getEndUser()).isNull();
    assertThat(e.getInputTokens()).isEqualTo(1200L);
    assertThat(e.getReasoningOutputTokens()).isNull();
    assertThat(e.getStatusCode()).isEqualTo(200);
    assertThat(e.getStreaming()).isTrue();
    assertThat(e.getRateLimit().getLimitTokens()).isEqualTo(2_000_000L);
    assertThat(e.getRateLimit().getResetTokensMs()).isEqualTo(360_000L);
  }

  @Test
  void omittedOptionalFieldsTakeTheirSchemaDefaults() throws Exception {
    LlmCallEvent e =
        calls.read(without(JsonLines.CALL, "org_id", "input_tokens", "streaming", "rate_limit"));

    assertThat(e.getOrgId()).isNull();
    assertThat(e.getInputTokens()).isNull();
    assertThat(e.getStreaming()).isFalse();
    assertThat(e.getRateLimit()).isNull();
  }

  @Test
  void nullForAFieldWithANonNullDefaultTakesTheDefault() throws Exception {
    assertThat(calls.read(with(JsonLines.CALL, "streaming", null)).getStreaming())
        .isFalse();
  }

  @Test
  void omittedFieldsInsideANestedRecordTakeTheirDefaults() throws Exception {
    LlmCallEvent e = calls.read(with(JsonLines.CALL, "rate_limit", Map.of("limit_tokens", 5)));

    assertThat(e.getRateLimit().getLimitTokens()).isEqualTo(5L);
    assertThat(e.getRateLimit().getLimitRequests()).isNull();
  }

  @Test
  void readsMapsEnumsDoublesAndBase64Bytes() throws Exception {
    UsageRollup r = JsonRecordReader.forType(UsageRollup.class).read(JsonLines.ROLLUP);
    Alert a = JsonRecordReader.forType(Alert.class).read(JsonLines.ALERT);

    assertThat(r.getErrorsByClass()).containsEntry("rate_limited", 2L).containsEntry("server", 1L);
    assertThat(r.getLatencyP99Ms()).isEqualTo(1900.25);
    assertThat(r.getLatencySketch())
        .isEqualTo(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, (byte) 0xff}));
    assertThat(a.getState()).isEqualTo(AlertState.FIRING);
    assertThat(a.getScope()).containsEntry("model", "gpt-4o");
    assertThat(a.getWindowStart()).isEqualTo(Instant.ofEpochMilli(1764230400000L));
  }

  @Test
  void aWholeNumberGivenForADoubleFieldIsAccepted() throws Exception {
    Alert a = JsonRecordReader.forType(Alert.class).read(with(JsonLines.ALERT, "threshold", 1));

    assertThat(a.getThreshold()).isEqualTo(1.0);
  }

  @Test
  void aMissingRequiredFieldIsNamed() {
    assertRejected(without(JsonLines.CALL, "service"), "service: missing (required)");
  }

  @Test
  void aMissingRequiredFieldInsideANestedRecordIsNamedByItsPath() {
    assertRejected(
        with(JsonLines.CALL, "sdk", Map.of("name", "x")), "sdk.version: missing (required)");
  }

  @Test
  void nullForARequiredFieldIsRejected() {
    assertRejected(with(JsonLines.CALL, "event_id", null), "event_id: must not be null");
  }

  @Test
  void anUnknownFieldIsNamedByItsPath() {
    assertRejected(
        with(JsonLines.CALL, "colour", "blue"), "colour: unknown field (not in LlmCallEvent)");
    assertRejected(
        with(JsonLines.CALL, "rate_limit", Map.of("limit_bananas", 1)),
        "rate_limit.limit_bananas: unknown field (not in RateLimitSnapshot)");
  }

  @Test
  void aPlaintextApiKeyIsRejectedWithoutRepeatingIt() {
    String secret = "sk-proj-0123456789abcdef0123456789abcdef";

    assertThatThrownBy(() -> calls.read(with(JsonLines.CALL, "api_key", secret)))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageStartingWith("api_key: unknown field; plaintext API keys are never accepted")
        .hasMessageNotContaining(secret)
        .hasMessageNotContaining("0123");
  }

  @Test
  void aPlaintextApiKeyInBrokenJsonIsNotRepeatedEither() {
    String line = "{\"api_key\": proj0123456789abcdef0123456789abcdef}";

    assertThatThrownBy(() -> calls.read(line))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessage(
            "not valid JSON at column 13: a bare word where a string, number, object, array, true, "
                + "false or null belongs");
  }

  @Test
  void textForANumberIsRejectedWithThePathAndTheValue() {
    assertRejected(
        with(JsonLines.CALL, "rate_limit", Map.of("limit_tokens", "abc")),
        "rate_limit.limit_tokens: expected a whole number, got \"abc\"");
  }

  @Test
  void aFractionForAWholeNumberIsRejected() {
    assertRejected(
        with(JsonLines.CALL, "input_tokens", 1.5),
        "input_tokens: expected a whole number, got 1.5");
  }

  @Test
  void aWholeNumberWrittenWithAnExponentIsAccepted() throws Exception {
    assertThat(calls
            .read(JsonLines.CALL.replace("\"input_tokens\":1200", "\"input_tokens\":1.2e3"))
            .getInputTokens())
        .isEqualTo(1200L);
  }

  @Test
  void aNumberBeyondLongRangeIsRejectedNotWrappedAround() {
    assertRejected(
        JsonLines.CALL.replace("\"input_tokens\":1200", "\"input_tokens\":9223372036854775808"),
        "input_tokens: expected a whole number from -9223372036854775808 to 9223372036854775807, "
            + "got 9223372036854775808");
  }

  @Test
  void aNumberBeyondIntRangeIsRejectedForAnIntField() {
    assertRejected(
        with(JsonLines.CALL, "status_code", 2_147_483_648L),
        "status_code: expected a whole number from -2147483648 to 2147483647, got 2147483648");
  }

  @Test
  void aNumberBeyondDoubleRangeIsRejected() {
    assertRejected(
        JsonRecordReader.forType(Alert.class),
        JsonLines.ALERT.replace("\"threshold\":0.8", "\"threshold\":1e400"),
        "threshold: expected a number within double range, got 1E+400");
  }

  @Test
  void timestampsAreEpochMillisIncludingBeforeTheEpochAndFarFuture() throws Exception {
    assertThat(calls.read(with(JsonLines.CALL, "timestamp", -1)).getTimestamp())
        .isEqualTo(Instant.ofEpochMilli(-1));
    assertThat(calls.read(with(JsonLines.CALL, "timestamp", 253402300799999L)).getTimestamp())
        .isEqualTo(Instant.parse("9999-12-31T23:59:59.999Z"));
  }

  @Test
  void anIsoDateForATimestampIsRejectedAsNotEpochMillis() {
    assertRejected(
        with(JsonLines.CALL, "timestamp", "2025-11-27T08:00:00Z"),
        "timestamp: expected a whole number, got \"2025-11-27T08:00:00Z\"");
  }

  @Test
  void avrosOwnUnionEncodingIsRejectedBecauseUnionsArePlainValues() {
    assertRejected(
        with(JsonLines.CALL, "input_tokens", Map.of("long", 5)),
        "input_tokens: expected a whole number, got an object");
  }

  @Test
  void wrongTypesForStringsBooleansRecordsAndMapsAreNamed() {
    assertRejected(with(JsonLines.CALL, "service", 5), "service: expected a string, got 5");
    assertRejected(
        with(JsonLines.CALL, "streaming", "yes"), "streaming: expected true or false, got \"yes\"");
    assertRejected(with(JsonLines.CALL, "sdk", "java"), "sdk: expected an object, got \"java\"");
    assertRejected(
        JsonRecordReader.forType(Alert.class),
        with(JsonLines.ALERT, "scope", 1),
        "scope: expected an object, got 1");
  }

  @Test
  void aWrongMapValueIsNamedByItsKey() {
    assertRejected(
        JsonRecordReader.forType(UsageRollup.class),
        with(JsonLines.ROLLUP, "errors_by_class", Map.of("server", "many")),
        "errors_by_class.server: expected a whole number, got \"many\"");
  }

  @Test
  void anUnknownEnumSymbolListsTheKnownOnes() {
    assertRejected(
        JsonRecordReader.forType(Alert.class),
        with(JsonLines.ALERT, "state", "PENDING"),
        "state: expected one of [FIRING, RESOLVED], got \"PENDING\"");
  }

  @Test
  void bytesThatAreNotBase64AreRejected() {
    assertRejected(
        JsonRecordReader.forType(UsageRollup.class),
        with(JsonLines.ROLLUP, "latency_sketch", "not base64!"),
        "latency_sketch: expected base64 text, got \"not base64!\"");
  }

  @Test
  void longTextIsDescribedByItsLengthNotRepeated() {
    String longText = "x".repeat(500);

    assertThatThrownBy(() -> calls.read(with(JsonLines.CALL, "input_tokens", longText)))
        .hasMessage(
            "input_tokens: expected a whole number, got a string of 500 characters (not repeated, it may be a secret)");
  }

  @Test
  void linesThatAreNotOneJsonObjectAreRejected() {
    assertRejected("[1,2]", "expected a JSON object with the fields of LlmCallEvent");
    assertRejected("", "empty line, expected a JSON object");
    assertThatThrownBy(() -> calls.read(JsonLines.CALL + " {}"))
        .hasMessageStartingWith("not valid JSON");
    assertThatThrownBy(() -> calls.read("{\"event_id\":")).hasMessageStartingWith("not valid JSON");
  }

  @Test
  void aFieldGivenTwiceIsRejected() {
    String twice =
        JsonLines.CALL.replace("{\"event_id\":\"evt-1\"", "{\"event_id\":\"a\",\"event_id\":\"b\"");

    assertThatThrownBy(() -> calls.read(twice))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageContaining("Duplicate field 'event_id'");
  }

  private void assertRejected(String line, String message) {
    assertRejected(calls, line, message);
  }

  private static void assertRejected(JsonRecordReader<?> reader, String line, String message) {
    assertThatThrownBy(() -> reader.read(line))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessage(message);
  }

  private static String with(String line, String field, Object value) {
    try {
      ObjectNode json = (ObjectNode) Json.MAPPER.readTree(line);
      json.set(field, Json.MAPPER.valueToTree(value));
      return Json.MAPPER.writeValueAsString(json);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String without(String line, String... fields) {
    try {
      ObjectNode json = (ObjectNode) Json.MAPPER.readTree(line);
      json.remove(java.util.List.of(fields));
      return Json.MAPPER.writeValueAsString(json);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
