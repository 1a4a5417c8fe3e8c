package io.tokenmeter.router;

/** Length limits that receivers impose, applied without splitting a character. */
final class ReceiverLimits {

  private ReceiverLimits() {}

  /** {@code text} if it fits in {@code max} characters, else its head and an ellipsis, {@code max} in all. */
  static String truncate(String text, int max) {
    if (text.length() <= max) {
      return text;
    }
    int end = max - 1;
    if (Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end) + "\u2026";
  }
}
