package io.tokenmeter.testkit.internal;

import java.io.IOException;
import java.io.InputStream;

/**
 * Entry point of the broker child JVM. It runs {@code kafka.Kafka} and exits when its standard
 * input closes: the parent holds that pipe open, so a parent that dies for any reason, even
 * {@code kill -9}, takes its broker with it instead of leaving it on a port.
 */
public final class ChildBrokerMain {

  private ChildBrokerMain() {}

  public static void main(String[] args) throws Exception {
    Thread watchdog = new Thread(
        () -> {
          try (InputStream in = System.in) {
            while (in.read() != -1) {
              // The parent never writes; any byte is ignored.
            }
          } catch (IOException ignored) {
            // A broken pipe means the same as end of stream.
          }
          System.err.println("tokenmeter testkit: parent process gone, stopping broker");
          System.exit(3);
        },
        "parent-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    Class.forName("kafka.Kafka").getMethod("main", String[].class).invoke(null, (Object) args);
  }
}
