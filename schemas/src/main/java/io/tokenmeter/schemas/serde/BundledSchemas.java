package io.tokenmeter.schemas.serde;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

/**
 * The schema versions that ship inside this jar, under {@code io/tokenmeter/schemas/history/NAME/vN.avsc}.
 * Single-object decoding resolves old writers against them, and the history test checks their evolution.
 */
public final class BundledSchemas {

  private static final String ROOT = "/io/tokenmeter/schemas/history/";

  private BundledSchemas() {}

  /** All kept versions of the record named {@code simpleName}, oldest first (v1, v2, ...). */
  public static List<Schema> versions(String simpleName) {
    List<Schema> out = new ArrayList<>();
    for (int v = 1; ; v++) {
      String text = text(simpleName, v);
      if (text == null) {
        return out;
      }
      out.add(new Schema.Parser().parse(text));
    }
  }

  /** The exact text of version {@code v}, or null when there is no such version. */
  public static String text(String simpleName, int v) {
    try (InputStream in =
        BundledSchemas.class.getResourceAsStream(ROOT + simpleName + "/v" + v + ".avsc")) {
      return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The text of the newest bundled version that encodes like {@code schema}: what the serializer
   * registers, byte for byte. Matching, rather than taking the newest file, means a jar whose
   * generated classes lag its .avsc files fails here instead of registering one schema and writing
   * bytes of another.
   */
  public static String textMatching(Schema schema) {
    String wanted = SchemaNormalization.toParsingForm(schema);
    List<Schema> versions = versions(schema.getName());
    for (int v = versions.size(); v >= 1; v--) {
      if (SchemaNormalization.toParsingForm(versions.get(v - 1)).equals(wanted)) {
        return text(schema.getName(), v);
      }
    }
    throw new IllegalStateException(
        "the generated class " + schema.getFullName() + " matches none of the " + versions.size()
            + " bundled versions under " + ROOT + schema.getName()
            + "/; the avro-maven-plugin include in schemas/pom.xml must name the newest version");
  }
}
