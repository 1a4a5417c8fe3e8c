package io.tokenmeter.jsonl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenmeter.schemas.LlmCallEvent;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Whatever is on a line of {@code tokenmeter produce}'s input, the reader answers with an event or
 * an {@link InvalidRecordException} that names the field (produce prefixes the line number): never
 * another exception, never work or memory sized by what a number claims, and never a secret
 * repeated back into the terminal.
 */
class JsonLineFuzzTest {

  private static final JsonRecordReader<LlmCallEvent> CALLS =
      JsonRecordReader.forType(LlmCallEvent.class);
  private static final List<String> FIELDS = allFieldPaths();

  @Property(tries = 3000)
  void anyTextIsAnEventOrAnInvalidRecord(@ForAll("lines") String line) {
    outcome(line);
  }

  @Property(tries = 1000)
  void anyBytesDecodedAsProduceDecodesThemAreAnEventOrAnInvalidRecord(
      @ForAll @Size(max = 400) byte[] bytes) {
    // produce reads its input as lenient UTF-8: a stray byte becomes U+FFFD.
    outcome(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
  }

  @Property(tries = 500)
  void everyTruncationOfAValidLineIsNotValidJson(
      @ForAll @IntRange(min = 0, max = 100_000) int cutSeed) {
    String cut = JsonLines.CALL.substring(0, cutSeed % JsonLines.CALL.length());

    InvalidRecordException e = outcome(cut);

    assertThat(e).isNotNull();
    assertThat(e.getMessage())
        .satisfiesAnyOf(
            m -> assertThat(m).startsWith("not valid JSON"),
            m -> assertThat(m).startsWith("empty line"));
  }

  @Property(tries = 1000)
  void aWrongValueInAnyFieldIsNamedByItsPath(
      @ForAll("fieldPaths") String path, @ForAll("hostileValues") String value) {
    String line = replace(JsonLines.CALL, path, value);

    InvalidRecordException e = outcome(line);

    if (e != null) {
      assertThat(e.path())
          .satisfiesAnyOf(
              p -> assertThat(p).isEqualTo(path),
              p -> assertThat(p).startsWith(path + "."),
              p -> assertThat(p).isEmpty());
      assertThat(e.getMessage()).hasSizeLessThan(400);
    }
  }

  @Property(tries = 300)
  void deepNestingIsRefusedNotAStackOverflow(
      @ForAll @IntRange(min = 1, max = 20_000) int depth, @ForAll boolean objects) {
    String open = objects ? "{\"sdk\":" : "[";
    String close = objects ? "}" : "]";
    String line = open.repeat(depth) + "1" + close.repeat(depth);

    assertThat(outcome(line)).isNotNull();
  }

  @Property(tries = 1000)
  void aSecretAnywhereOnTheLineIsNeverRepeated(
      @ForAll("secrets") String secret,
      @ForAll("fieldPaths") String path,
      @ForAll("placements") int placement) {
    String line = switch (placement) {
      case 0 -> replace(JsonLines.CALL, path, "\"" + secret + "\"");
      case 1 -> replace(JsonLines.CALL, path, secret); // a bare word
      case 2 -> JsonLines.CALL.replace("\"event_id\"", "\"" + secret + "\"");
      case 3 ->
        replace(JsonLines.CALL, path, "\"" + secret + "\"")
            .substring(0, JsonLines.CALL.length() / 2);
      default ->
        JsonLines.CALL.replace("{\"event_id\"", "{\"api_key\":\"" + secret + "\",\"event_id\"");
    };

    InvalidRecordException e = outcome(line);

    if (e != null) {
      String body = secret.substring(3);
      for (int i = 0; i + 8 <= body.length(); i++) {
        assertThat(e.getMessage()).doesNotContain(body.substring(i, i + 8));
      }
    }
  }

  @Example
  void aNumberWithAHugeExponentIsOutOfRangeWithoutBeingExpanded() {
    // Regression: 1e999999999 is whole, and turning it into a BigInteger to compare it with the
    // range took minutes and a gigabyte.
    for (String huge : new String[] {
      "1e999999999", "-1e999999999", "9.9e2147483647", "0e999999999", "1" + "0".repeat(900)
    }) {
      InvalidRecordException e = outcome(replace(JsonLines.CALL, "input_tokens", huge));
      if (huge.startsWith("0e")) {
        assertThat(e).isNull();
        continue;
      }
      assertThat(e).as(huge).isNotNull();
      assertThat(e.getMessage()).startsWith("input_tokens: expected a whole number from");
    }
  }

  @Example
  void aSecretAsAFieldNameOrInAWronglyTypedFieldIsNotRepeated() {
    // Regression: both were echoed, the name whole and the value cut to its first 40 characters.
    String secret = "sk-proj-0123456789abcdef0123456789abcdef";

    InvalidRecordException asName =
        outcome(JsonLines.CALL.replace("\"event_id\"", "\"" + secret + "\""));
    InvalidRecordException asNumber =
        outcome(replace(JsonLines.CALL, "input_tokens", "\"" + secret + "\""));

    assertThat(asName.getMessage())
        .isEqualTo(
            "a field whose name is not a field name (40 characters; not repeated, it may be a secret),"
                + " not in LlmCallEvent")
        .doesNotContain("0123");
    assertThat(asNumber.getMessage())
        .isEqualTo(
            "input_tokens: expected a whole number, got a string of 40 characters (not repeated, it may be a secret)");
  }

  /** The exception the line gave, or null when it read as an event; fails on anything else. */
  private static InvalidRecordException outcome(String line) {
    try {
      assertThat(CALLS.read(line)).isNotNull();
      return null;
    } catch (InvalidRecordException e) {
      assertThat(e.getMessage()).isNotBlank();
      return e;
    }
  }

  private static String replace(String line, String path, String rawJson) {
    try {
      ObjectNode root = (ObjectNode) Json.MAPPER.readTree(line);
      ObjectNode parent = root;
      String[] parts = path.split("\\.");
      for (int i = 0; i < parts.length - 1; i++) {
        parent = (ObjectNode) parent.get(parts[i]);
      }
      String marker = "\"@@VALUE@@\"";
      parent.put(parts[parts.length - 1], "@@VALUE@@");
      return Json.MAPPER.writeValueAsString(root).replace(marker, rawJson);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Provide
  Arbitrary<String> lines() {
    Arbitrary<String> jsonish =
        Arbitraries.strings().withChars("{}[]\":,0123456789.eE-+ truefalsn\\u").ofMaxLength(200);
    Arbitrary<String> anything = Arbitraries.strings().all().ofMaxLength(200);
    Arbitrary<String> mutated = Arbitraries.integers()
        .between(0, JsonLines.CALL.length() - 1)
        .flatMap(at -> Arbitraries.strings()
            .all()
            .ofMaxLength(5)
            .map(s -> JsonLines.CALL.substring(0, at) + s + JsonLines.CALL.substring(at + 1)));
    return Arbitraries.oneOf(jsonish, anything, mutated);
  }

  @Provide
  Arbitrary<String> fieldPaths() {
    return Arbitraries.of(FIELDS);
  }

  @Provide
  Arbitrary<String> hostileValues() {
    return Arbitraries.oneOf(
        Arbitraries.of(
            "null",
            "true",
            "\"\"",
            "{}",
            "[]",
            "[1,2]",
            "-1",
            "1.5",
            "1e309",
            "-1e309",
            "1e999999999",
            "9223372036854775808",
            "-9223372036854775809",
            "99999999999999999999999",
            "\"NaN\"",
            "NaN",
            "\"" + "x".repeat(10_000) + "\"",
            "\"\\u0000\"",
            "\"\\ud800\"",
            "0.0000000001",
            "1E+2",
            "{\"a\":1}"),
        Arbitraries.longs().map(String::valueOf),
        Arbitraries.strings().alpha().ofMaxLength(30).map(s -> "\"" + s + "\""));
  }

  @Provide
  Arbitrary<String> secrets() {
    return Arbitraries.strings()
        .withCharRange('a', 'z')
        .withCharRange('0', '9')
        .ofMinLength(24)
        .ofMaxLength(100)
        .map(s -> "sk-" + s);
  }

  @Provide
  Arbitrary<Integer> placements() {
    return Arbitraries.integers().between(0, 4);
  }

  private static List<String> allFieldPaths() {
    List<String> paths = new ArrayList<>();
    try {
      collect("", Json.MAPPER.readTree(JsonLines.CALL), paths);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    return paths;
  }

  private static void collect(String prefix, JsonNode node, List<String> out) {
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      String path = prefix.isEmpty() ? name : prefix + "." + name;
      out.add(path);
      if (node.get(name).isObject()) {
        collect(path, node.get(name), out);
      }
    }
  }
}
