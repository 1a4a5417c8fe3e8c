package io.tokenmeter.schemas;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaIncompatibilityType;

/**
 * The evolution rule of the contract, BACKWARD_TRANSITIVE: every version of a record can read data
 * written with every earlier version. A consumer built against the newest schema therefore reads
 * a topic whatever its retention still holds.
 *
 * <p>The check is Avro's own {@link SchemaCompatibility}; what this class adds is a report that
 * names the offending field ({@code rate_limit.limit_tokens}), since Avro only gives a position
 * such as {@code /fields/24/type/1}.
 */
public final class SchemaEvolution {

  /** Bounds the descent into nested records, for recursive schemas; the contract nests one level. */
  private static final int MAX_NESTING = 8;

  private SchemaEvolution() {}

  /**
   * One way in which a reader version cannot read what a writer version wrote.
   *
   * @param schema simple record name, e.g. {@code LlmCallEvent}
   * @param reader which schema reads, e.g. {@code v2}
   * @param writer which schema wrote, e.g. {@code v1} or {@code registry schema id 7}
   * @param field dotted path of the field in the reader schema, empty when the record itself is
   *     at fault (for example a renamed record)
   * @param type Avro's kind of incompatibility
   * @param detail Avro's message for it
   * @param location Avro's JSON-pointer-like position, e.g. {@code /fields/3/type}
   */
  public record Violation(
      String schema,
      String reader,
      String writer,
      String field,
      SchemaIncompatibilityType type,
      String detail,
      String location) {

    /** One line for a build log: which versions, which field, what is wrong, how to fix it. */
    public String message() {
      String subject = field.isEmpty() ? "the record itself" : "field '" + field + "'";
      return schema + " " + reader + " cannot read data written with " + writer + ": " + subject
          + " " + explanation() + " [" + type + " at " + location + "]";
    }

    private String explanation() {
      return switch (type) {
        case READER_FIELD_MISSING_DEFAULT_VALUE ->
          "is new and has no default; give it one (optional fields: [\"null\", T] with default null)";
        case TYPE_MISMATCH -> "changed type (" + detail + "); add a new field instead";
        case MISSING_UNION_BRANCH ->
          "can no longer hold a type that older data has in it (" + detail + ")";
        case MISSING_ENUM_SYMBOLS -> "lost enum symbols " + detail + "; symbols may only be added";
        case NAME_MISMATCH -> "changed its named type (" + detail + "); add an alias instead";
        case FIXED_SIZE_MISMATCH -> "changed its fixed size (" + detail + ")";
      };
    }
  }

  /**
   * Every violation of BACKWARD_TRANSITIVE in {@code versions} (oldest first): each version as the
   * reader against each earlier one as the writer. Empty when the history is sound.
   */
  public static List<Violation> backwardTransitiveViolations(String name, List<Schema> versions) {
    List<Violation> out = new ArrayList<>();
    for (int r = 1; r < versions.size(); r++) {
      for (int w = 0; w < r; w++) {
        out.addAll(
            violations(name, "v" + (r + 1), versions.get(r), "v" + (w + 1), versions.get(w)));
      }
    }
    return out;
  }

  /** Why {@code reader} cannot read data written with {@code writer}; empty when it can. */
  public static List<Violation> violations(
      String name, String readerLabel, Schema reader, String writerLabel, Schema writer) {
    List<Violation> out = new ArrayList<>();
    collect(new Labels(name, readerLabel, writerLabel), reader, writer, "", "", 0, out);
    return out;
  }

  private record Labels(String name, String reader, String writer) {}

  /**
   * Avro reports a change inside an optional record ({@code ["null", Record]}) only as the union
   * having lost its record branch. When the reader union still has a record of that name, the
   * check is repeated on the two records, so the report reaches the field that changed.
   */
  private static void collect(
      Labels labels,
      Schema reader,
      Schema writer,
      String fieldPrefix,
      String locationPrefix,
      int depth,
      List<Violation> out) {
    for (Incompatibility i : SchemaCompatibility.checkReaderWriterCompatibility(reader, writer)
        .getResult()
        .getIncompatibilities()) {
      String field = join(fieldPrefix, fieldPath(reader, i.getLocation()));
      String location = locationPrefix + (i.getLocation().equals("/") ? "" : i.getLocation());
      Schema[] sameNamed =
          i.getType() == SchemaIncompatibilityType.MISSING_UNION_BRANCH && depth < MAX_NESTING
              ? sameNamedBranches(i)
              : null;
      int before = out.size();
      if (sameNamed != null) {
        collect(labels, sameNamed[0], sameNamed[1], field, location, depth + 1, out);
      }
      if (out.size() == before) {
        out.add(new Violation(
            labels.name(),
            labels.reader(),
            labels.writer(),
            field,
            i.getType(),
            i.getMessage(),
            location.isEmpty() ? "/" : location));
      }
    }
  }

  /**
   * For a lost union branch: the reader's and the writer's named type (record, enum, fixed) of the
   * same full name, or null when the reader has no such type and the branch is truly gone.
   */
  private static Schema[] sameNamedBranches(Incompatibility i) {
    Schema writer = i.getWriterFragment();
    if (writer.getType() == Schema.Type.UNION) {
      // Both sides were unions: Avro's location ends with the index of the writer's branch.
      String location = i.getLocation();
      int index = Integer.parseInt(location.substring(location.lastIndexOf('/') + 1));
      writer = writer.getTypes().get(index);
    }
    if (!isNamed(writer)) {
      return null;
    }
    Schema reader = i.getReaderFragment();
    List<Schema> candidates =
        reader.getType() == Schema.Type.UNION ? reader.getTypes() : List.of(reader);
    for (Schema candidate : candidates) {
      if (candidate.getType() == writer.getType()
          && candidate.getFullName().equals(writer.getFullName())) {
        return new Schema[] {candidate, writer};
      }
    }
    return null;
  }

  private static boolean isNamed(Schema schema) {
    return switch (schema.getType()) {
      case RECORD, ENUM, FIXED -> true;
      default -> false;
    };
  }

  private static String join(String prefix, String path) {
    if (prefix.isEmpty()) {
      return path;
    }
    return path.isEmpty() ? prefix : prefix + "." + path;
  }

  /**
   * Turns Avro's location ({@code /fields/24/type/1/fields/2}) into field names ({@code
   * rate_limit.remaining_requests}) by walking the reader schema. Numbers after {@code type} are
   * union branch indexes and name no field.
   */
  static String fieldPath(Schema reader, String location) {
    List<String> names = new ArrayList<>();
    Schema current = reader;
    String[] tokens = location.split("/");
    for (int i = 0; i < tokens.length; i++) {
      switch (tokens[i]) {
        case "fields" -> {
          Schema record = branch(current, Schema.Type.RECORD);
          if (record == null || i + 1 >= tokens.length) {
            return String.join(".", names);
          }
          Schema.Field field = record.getFields().get(Integer.parseInt(tokens[++i]));
          names.add(field.name());
          current = field.schema();
        }
        case "items" -> current = elementOf(current, Schema.Type.ARRAY);
        case "values" -> current = elementOf(current, Schema.Type.MAP);
        default -> {
          // "", "type", union branch indexes, "name", "symbols", "size": no step into a field.
        }
      }
      if (current == null) {
        break;
      }
    }
    return String.join(".", names);
  }

  private static Schema elementOf(Schema schema, Schema.Type container) {
    Schema c = branch(schema, container);
    if (c == null) {
      return null;
    }
    return container == Schema.Type.ARRAY ? c.getElementType() : c.getValueType();
  }

  /** {@code schema} itself when of {@code type}, else its first union branch of that type. */
  private static Schema branch(Schema schema, Schema.Type type) {
    if (schema.getType() == type) {
      return schema;
    }
    if (schema.getType() == Schema.Type.UNION) {
      for (Schema b : schema.getTypes()) {
        if (b.getType() == type) {
          return b;
        }
      }
    }
    return null;
  }
}
