package io.tokenmeter.bench.pipeline;

import io.tokenmeter.testkit.ExitWithParent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.tools.ConsumerPerformance;

/**
 * Child main of the consumer-perf contender: Kafka's own {@code kafka-consumer-perf-test}, in
 * process, its CSV line captured and turned into a {@link ResultFile}. Arguments: the result file,
 * then ConsumerPerformance's own arguments.
 */
public final class ConsumerPerfChild {

  private ConsumerPerfChild() {}

  public static void main(String[] args) {
    ExitWithParent.install();
    Path resultFile = Path.of(args[0]);
    String[] perfArgs = Arrays.copyOfRange(args, 1, args.length);
    PrintStream out = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    long startMs = System.currentTimeMillis();
    long cpu0 = Cpu.processNanos();
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      ConsumerPerformance.main(perfArgs);
    } catch (RuntimeException e) {
      System.setOut(out);
      ResultFile.failed("consumer-perf", "ConsumerPerformance failed: " + e).write(resultFile);
      System.exit(1);
    } finally {
      System.setOut(out);
    }
    long cpu = Cpu.processNanos() - cpu0;
    long endMs = System.currentTimeMillis();
    String text = captured.toString(StandardCharsets.UTF_8);
    System.out.println(text);
    try {
      Csv csv = Csv.parse(text);
      new ResultFile(
              "consumer-perf",
              (long) csv.get("data.consumed.in.nMsg"),
              startMs,
              endMs,
              cpu,
              0,
              csv.get("fetch.nMsg.sec"),
              null,
              null)
          .write(resultFile);
    } catch (RuntimeException e) {
      ResultFile.failed(
              "consumer-perf", "cannot parse ConsumerPerformance output: " + e.getMessage())
          .write(resultFile);
    }
    System.exit(0);
  }

  /** ConsumerPerformance's header line and the value line under it. */
  record Csv(List<String> header, List<String> values) {
    static Csv parse(String text) {
      List<String> lines =
          text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
      for (int i = 0; i < lines.size() - 1; i++) {
        if (lines.get(i).startsWith("start.time")) {
          return new Csv(split(lines.get(i)), split(lines.get(i + 1)));
        }
      }
      throw new IllegalArgumentException("no start.time header in: " + text);
    }

    double get(String column) {
      int i = header.indexOf(column);
      if (i < 0 || i >= values.size()) {
        throw new IllegalArgumentException("no column " + column + " in " + header);
      }
      return Double.parseDouble(values.get(i));
    }

    private static List<String> split(String line) {
      return Arrays.stream(line.split(",")).map(String::strip).toList();
    }
  }
}
