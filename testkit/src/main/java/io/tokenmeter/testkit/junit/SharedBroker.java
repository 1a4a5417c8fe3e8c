package io.tokenmeter.testkit.junit;

import io.tokenmeter.testkit.KafkaBroker;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real broker ({@link KafkaBroker}) for all tests of a class: started before the first,
 * closed after the last, even when a test fails.
 *
 * <pre>{@code
 * @RegisterExtension static final SharedBroker broker = new SharedBroker();
 * ... broker.bootstrapServers() ...
 * }</pre>
 */
public final class SharedBroker implements BeforeAllCallback, AfterAllCallback {

  private KafkaBroker broker;

  @Override
  public void beforeAll(ExtensionContext context) {
    broker = KafkaBroker.start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (broker != null) {
      broker.close();
      broker = null;
    }
  }

  public String bootstrapServers() {
    return get().bootstrapServers();
  }

  /** The broker itself, to stop, kill or restart it. */
  public KafkaBroker get() {
    if (broker == null) {
      throw new IllegalStateException("the broker runs only while the test class does");
    }
    return broker;
  }
}
