package io.tokenmeter.app;

import io.tokenmeter.cli.TokenmeterCli;
import io.tokenmeter.testkit.ExitWithParent;

/**
 * The entry point of an {@link AppProcess} child: the real {@code tokenmeter} CLI, plus a guard
 * that exits the child (gracefully, through the CLI's shutdown hook) when its parent's end of
 * standard input closes. So a test JVM that dies hard leaves no app running on the machine.
 */
public final class ChildAppMain {

  private ChildAppMain() {}

  public static void main(String[] args) {
    ExitWithParent.install();
    TokenmeterCli.main(args);
  }
}
