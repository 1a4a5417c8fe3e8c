package io.tokenmeter.schemas.serde;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;

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
    try (InputStream in = BundledSchemas.class.getResourceAsStream(ROOT + simpleName + "/v" + v + ".avsc")) {
      return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The text of the newest version: what the serializer registers, byte for byte. */
  public static String newestText(String simpleName) {
    int n = versions(simpleName).size();
    if (n == 0) {
      throw new IllegalArgumentException("no bundled schema named " + simpleName);
    }
    return text(simpleName, n);
  }
}
