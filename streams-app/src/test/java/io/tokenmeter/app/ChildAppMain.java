package io.tokenmeter.app;

import io.tokenmeter.cli.TokenmeterCli;
import java.io.IOException;

/**
 * The entry point of an {@link AppProcess} child: the real {@code tokenmeter} CLI, plus a guard
 * that exits the child (gracefully, through the CLI's shutdown hook) when its parent's end of
 * standard input closes. So a test JVM that dies hard leaves no app running on the machine.
 */
public final class ChildAppMain {

  private ChildAppMain() {}

  public static void main(String[] args) {
    Thread guard = new Thread(() -> {
      try {
        while (System.in.read() >= 0) {
          // The parent never writes; end of stream means it is gone.
        }
      } catch (IOException ignored) {
        // Same: the pipe is broken.
      }
      System.exit(3);
    }, "exit-with-parent");
    guard.setDaemon(true);
    guard.start();
    TokenmeterCli.main(args);
  }
}
