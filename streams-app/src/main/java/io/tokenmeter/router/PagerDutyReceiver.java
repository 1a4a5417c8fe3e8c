package io.tokenmeter.router;

import io.tokenmeter.config.RouterSettings;
import io.tokenmeter.schemas.Alert;
import java.util.Map;

/** PagerDuty Events API v2: {@code POST /v2/enqueue}, which answers 202 when it took the event. */
final class PagerDutyReceiver implements Receiver {

  private final RouterSettings.PagerDuty settings;
  private final JsonPost post;

  PagerDutyReceiver(RouterSettings.PagerDuty settings, JsonPost post) {
    this.settings = settings;
    this.post = post;
  }

  @Override
  public String name() {
    return RouterSettings.PAGERDUTY;
  }

  @Override
  public Delivery deliver(Alert alert) {
    String json = PagerDutyEvent.json(alert, settings.routingKey(), settings.source());
    return post.send(settings.url(), json, Map.of(), settings.routingKey());
  }
}
