package io.tokenmeter.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenmeter.schemas.SchemaEvolution.Violation;
import io.tokenmeter.schemas.serde.BundledSchemas;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility.SchemaIncompatibilityType;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;

/**
 * The evolution rule as part of the build: a schema change that would leave data on a topic
 * unreadable, or generated classes that lag the newest schema file, fails {@code mvn verify}.
 */
class SchemaHistoryTest {

  /** Surefire runs in the module folder; this is the folder the classes are generated from. */
  private static final Path HISTORY = Path.of("src/main/avro/history");

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void everyKeptVersionCanReadEveryEarlierVersion() throws IOException {
    List<String> violations = SchemaHistory.readAll(HISTORY).stream()
        .flatMap(h -> h.backwardTransitiveViolations().stream())
        .map(Violation::message)
        .toList();

    assertThat(violations)
        .as(
            "the schema history breaks BACKWARD_TRANSITIVE (see docs/schemas.md, 'Adding a version')")
        .isEmpty();
  }

  @Test
  void historyHoldsTheThreeContractRecords() throws IOException {
    assertThat(SchemaHistory.readAll(HISTORY))
        .extracting(SchemaHistory::name)
        .containsExactly("Alert", "LlmCallEvent", "UsageRollup");
  }

  @Test
  void generatedClassOfEachRecordIsItsNewestVersion() throws Exception {
    for (SchemaHistory history : SchemaHistory.readAll(HISTORY)) {
      Schema newest = history.newest();
      Schema generated = SpecificData.get().getSchema(Class.forName(newest.getFullName()));

      assertThat(withoutJavaStringHints(generated))
          .as(
              "%s was generated from another schema than its newest version v%d.avsc; the"
                  + " avro-maven-plugin <include> in schemas/pom.xml must name %s/v%d.avsc",
              newest.getFullName(),
              history.versions().size(),
              history.name(),
              history.versions().size())
          .isEqualTo(newest);
    }
  }

  @Test
  void jarBundlesEveryVersionOfTheHistoryFolder() throws IOException {
    for (SchemaHistory history : SchemaHistory.readAll(HISTORY)) {
      assertThat(BundledSchemas.versions(history.name())).isEqualTo(history.versions());
    }
  }

  @Test
  void fieldAddedWithoutDefaultIsRejectedNamingTheField() throws Exception {
    List<Violation> violations = fixture("added-required-field").backwardTransitiveViolations();

    assertThat(violations).singleElement().satisfies(v -> {
      assertThat(v.field()).isEqualTo("tenant");
      assertThat(v.type()).isEqualTo(SchemaIncompatibilityType.READER_FIELD_MISSING_DEFAULT_VALUE);
      assertThat(v.message())
          .isEqualTo(
              "CallEvent v2 cannot read data written with v1: field 'tenant' is new and has no"
                  + " default; give it one (optional fields: [\"null\", T] with default null)"
                  + " [READER_FIELD_MISSING_DEFAULT_VALUE at /fields/3]");
    });
  }

  @Test
  void changedFieldTypeIsRejectedNamingTheField() throws Exception {
    List<Violation> violations = fixture("changed-field-type").backwardTransitiveViolations();

    assertThat(violations).singleElement().satisfies(v -> {
      assertThat(v.field()).isEqualTo("event_id");
      assertThat(v.type()).isEqualTo(SchemaIncompatibilityType.TYPE_MISMATCH);
      assertThat(v.message())
          .startsWith(
              "CallEvent v2 cannot read data written with v1: field 'event_id' changed type")
          .contains("LONG", "STRING");
    });
  }

  @Test
  void changeInsideOptionalRecordIsRejectedNamingTheNestedField() throws Exception {
    List<Violation> violations =
        fixture("changed-nested-field-type").backwardTransitiveViolations();

    assertThat(violations).singleElement().satisfies(v -> {
      assertThat(v.field()).isEqualTo("rate_limit.limit_tokens");
      assertThat(v.message()).contains("field 'rate_limit.limit_tokens'");
      assertThat(v.location()).startsWith("/fields/2/type/1/fields/1/type");
    });
  }

  @Test
  void versionThatOnlyItsOldestPredecessorCannotFeedIsRejected() throws Exception {
    List<Violation> violations = fixture("breaks-only-the-oldest").backwardTransitiveViolations();

    assertThat(violations)
        .extracting(Violation::message)
        .singleElement()
        .asString()
        .startsWith("CallEvent v3 cannot read data written with v1: field 'tenant'");
  }

  @Test
  void optionalFieldWithADefaultIsCompatibleBothWays() throws Exception {
    Schema v1 = BundledSchemas.versions("LlmCallEvent").get(0);
    Schema v2 = new Schema.Parser()
        .parse(resource("/evolution/LlmCallEvent-v2-optional-field.avsc").toFile());

    assertThat(SchemaEvolution.violations("LlmCallEvent", "v2", v2, "v1", v1)).isEmpty();
    assertThat(SchemaEvolution.violations("LlmCallEvent", "v1", v1, "v2", v2)).isEmpty();
  }

  @Test
  void historyWithAMissingVersionIsRefused() {
    assertThatThrownBy(() -> fixture("gap"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no v2.avsc but has later versions");
  }

  @Test
  void schemaFileInAnotherRecordsFolderIsRefused() {
    assertThatThrownBy(() -> fixture("misnamed"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("defines record Call but lives in the folder of CallEvent");
  }

  private static SchemaHistory fixture(String name) throws IOException, URISyntaxException {
    return SchemaHistory.read(resource("/evolution/" + name + "/CallEvent"));
  }

  private static Path resource(String name) throws URISyntaxException {
    return Path.of(SchemaHistoryTest.class.getResource(name).toURI());
  }

  /**
   * The generated schema carries {@code "avro.java.string": "String"} on each string (from the
   * plugin's stringType); it changes the Java type, not the contract, so it is left out. Schema
   * equality then covers names, types, defaults and other properties.
   */
  private static Schema withoutJavaStringHints(Schema generated) throws IOException {
    JsonNode tree = JSON.readTree(generated.toString());
    strip(tree);
    return new Schema.Parser().parse(tree.toString());
  }

  private static void strip(JsonNode node) {
    if (node instanceof ObjectNode object) {
      object.remove("avro.java.string");
    }
    node.forEach(SchemaHistoryTest::strip);
  }
}
