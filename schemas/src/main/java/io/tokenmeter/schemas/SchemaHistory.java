package io.tokenmeter.schemas;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * Every kept version of one record, read from a history folder laid out as {@code
 * <dir>/<Name>/v1.avsc, v2.avsc, ...}: the layout of {@code schemas/src/main/avro/history}.
 *
 * <p>The layout is checked as it is read, because the serde finds versions by counting up from
 * v1: a gap would hide every later version, and a file whose record name differs from its folder
 * would never be found.
 *
 * @param name the record's simple name, which is also the folder's name
 * @param versions oldest first; {@code versions.get(0)} is v1
 */
public record SchemaHistory(String name, List<Schema> versions) {

  private static final Pattern VERSION_FILE = Pattern.compile("v([1-9][0-9]*)\\.avsc");

  public SchemaHistory {
    versions = List.copyOf(versions);
  }

  /** One history per sub-folder of {@code historyDir}, sorted by name. */
  public static List<SchemaHistory> readAll(Path historyDir) throws IOException {
    List<SchemaHistory> out = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(historyDir)) {
      for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
        out.add(read(dir));
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no schema folders in " + historyDir);
    }
    return out;
  }

  /** The versions in one record's folder; fails naming the file when the layout is broken. */
  public static SchemaHistory read(Path recordDir) throws IOException {
    String name = recordDir.getFileName().toString();
    TreeMap<Integer, Path> files = new TreeMap<>();
    try (Stream<Path> entries = Files.list(recordDir)) {
      for (Path file : entries.sorted().toList()) {
        Matcher m = VERSION_FILE.matcher(file.getFileName().toString());
        if (!m.matches()) {
          throw new IllegalArgumentException(
              "unexpected file " + file + "; versions are named v1.avsc, v2.avsc, ...");
        }
        files.put(Integer.parseInt(m.group(1)), file);
      }
    }
    List<Schema> versions = new ArrayList<>();
    for (int v = 1; v <= files.size(); v++) {
      Path file = files.get(v);
      if (file == null) {
        throw new IllegalArgumentException(
            "history of " + name + " in " + recordDir + " has no v" + v + ".avsc but has later"
                + " versions; versions are never deleted, so the serde can still read old data");
      }
      versions.add(parse(file, name));
    }
    if (versions.isEmpty()) {
      throw new IllegalArgumentException("no versions in " + recordDir);
    }
    return new SchemaHistory(name, versions);
  }

  private static Schema parse(Path file, String expectedName) throws IOException {
    Schema schema;
    try {
      schema = new Schema.Parser().parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (SchemaParseException e) {
      throw new IllegalArgumentException("cannot parse " + file + ": " + e.getMessage(), e);
    }
    if (!schema.getName().equals(expectedName)) {
      throw new IllegalArgumentException(
          file + " defines record " + schema.getName() + " but lives in the folder of "
              + expectedName + "; the folder name must be the record name");
    }
    return schema;
  }

  /** The version the generated classes are built from. */
  public Schema newest() {
    return versions.get(versions.size() - 1);
  }

  /** Violations of the evolution rule within this history; empty when it is sound. */
  public List<SchemaEvolution.Violation> backwardTransitiveViolations() {
    return SchemaEvolution.backwardTransitiveViolations(name, versions);
  }
}
