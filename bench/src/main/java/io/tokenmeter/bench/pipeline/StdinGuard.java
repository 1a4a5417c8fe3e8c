package io.tokenmeter.bench.pipeline;

import java.io.IOException;

/**
 * Makes a child JVM exit when the harness is gone: the harness never writes to the child's stdin,
 * so end of stream means its end of the pipe closed. A harness killed with SIGKILL leaves no
 * contender running on a machine that others share.
 */
final class StdinGuard {

  private StdinGuard() {}

  static void install() {
    Thread guard = new Thread(() -> {
      try {
        while (System.in.read() >= 0) {
          // nothing is ever written
        }
      } catch (IOException ignored) {
        // a broken pipe means the same
      }
      System.exit(3);
    }, "exit-with-parent");
    guard.setDaemon(true);
    guard.start();
  }
}
