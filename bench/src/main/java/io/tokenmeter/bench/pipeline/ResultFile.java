package io.tokenmeter.bench.pipeline;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * What a child contender reports, one JSON object in one file; the Flink job writes the same
 * fields. Times are epoch millis of the child's own clock (same machine); cpuNanos is the child's
 * process CPU between firstRecordAtMs and finishedAtMs.
 *
 * @param eventsPerSec set only when the contender measures its own rate (consumer-perf)
 * @param sums totals the child computed itself (plain-consumer); null otherwise
 * @param error set when the child failed
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
record ResultFile(
    String contender,
    long records,
    long firstRecordAtMs,
    long finishedAtMs,
    long cpuNanos,
    long outputRows,
    Double eventsPerSec,
    Map<String, Long> sums,
    String error) {

  static final ObjectMapper JSON = new ObjectMapper();

  static ResultFile failed(String contender, String error) {
    return new ResultFile(contender, 0, 0, 0, 0, 0, null, null, error);
  }

  /** Written to a temporary file and moved, so a reader never sees half a file. */
  void write(Path file) {
    try {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), this);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ResultFile read(Path file) {
    try {
      return JSON.readValue(file.toFile(), ResultFile.class);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read result file " + file, e);
    }
  }

  double seconds() {
    return (finishedAtMs - firstRecordAtMs) / 1000.0;
  }
}
