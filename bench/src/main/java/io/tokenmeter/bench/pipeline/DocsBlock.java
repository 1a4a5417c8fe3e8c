package io.tokenmeter.bench.pipeline;

/** The generated part of docs/benchmarks.md: everything between the two markers, nothing else. */
final class DocsBlock {

  static final String BEGIN = "<!-- pipeline-results:begin -->";
  static final String END = "<!-- pipeline-results:end -->";

  private DocsBlock() {}

  static String replace(String doc, String block) {
    int begin = doc.indexOf(BEGIN);
    int end = doc.indexOf(END);
    if (begin < 0 || end < 0 || end < begin) {
      throw new IllegalArgumentException(
          "docs/benchmarks.md has no " + BEGIN + " ... " + END + " block");
    }
    if (doc.indexOf(BEGIN, begin + 1) >= 0 || doc.indexOf(END, end + 1) >= 0) {
      throw new IllegalArgumentException(
          "docs/benchmarks.md has more than one pipeline-results block");
    }
    String body = block.endsWith("\n") ? block : block + "\n";
    return doc.substring(0, begin + BEGIN.length()) + "\n" + body + doc.substring(end);
  }
}
