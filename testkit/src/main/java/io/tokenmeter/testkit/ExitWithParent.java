package io.tokenmeter.testkit;

import java.io.IOException;

/**
 * Makes a child JVM exit (status 3, through its shutdown hooks) when its parent is gone: the
 * parent never writes to the child's stdin, so end of stream means the parent's end of the pipe
 * closed. A test or benchmark JVM killed with SIGKILL then leaves nothing running on a machine
 * that others share.
 */
public final class ExitWithParent {

  private ExitWithParent() {}

  /** Starts the daemon thread that watches stdin. */
  public static void install() {
    Thread guard = new Thread(
        () -> {
          try {
            while (System.in.read() >= 0) {
              // nothing is ever written
            }
          } catch (IOException ignored) {
            // a broken pipe means the same
          }
          System.exit(3);
        },
        "exit-with-parent");
    guard.setDaemon(true);
    guard.start();
  }
}
