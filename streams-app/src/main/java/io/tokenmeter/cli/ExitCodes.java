package io.tokenmeter.cli;

/** Exit codes of produce and consume, as documented in docs/cli.md and each command's --help. */
final class ExitCodes {

  static final int OK = 0;
  static final int FATAL = 1;

  /** Some input lines (produce) or records (consume) could not be read; the rest went through. */
  static final int SOME_SKIPPED = 2;

  /**
   * Invalid options: sysexits' EX_USAGE. Picocli's default of 2 would read as "some skipped" to
   * a script.
   */
  static final int USAGE = 64;

  private ExitCodes() {}
}
