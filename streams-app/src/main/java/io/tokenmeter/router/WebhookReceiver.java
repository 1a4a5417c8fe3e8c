package io.tokenmeter.router;

import io.tokenmeter.config.RouterSettings;
import io.tokenmeter.schemas.Alert;
import java.util.Map;

/** A generic webhook that takes Alertmanager's webhook payload (version 4). */
final class WebhookReceiver implements Receiver {

  private final RouterSettings.Webhook settings;
  private final JsonPost post;

  WebhookReceiver(RouterSettings.Webhook settings, JsonPost post) {
    this.settings = settings;
    this.post = post;
  }

  @Override
  public String name() {
    return RouterSettings.WEBHOOK;
  }

  @Override
  public Delivery deliver(Alert alert) {
    Map<String, String> headers =
        settings.authorization().map(a -> Map.of("Authorization", a)).orElse(Map.of());
    return post.send(
        settings.url(),
        AlertmanagerPayload.json(alert, name()),
        headers,
        settings.authorization().orElse(null));
  }
}
