package io.tokenmeter.alert;

import io.tokenmeter.schemas.LlmCallEvent;
import java.util.Map;
import java.util.TreeMap;

/**
 * An error-rate scope: a model seen from one calling service, or from one org.
 *
 * @param model the requested model (failed calls have no response model, and a scope must see
 *     successes and failures alike)
 * @param dimension {@code service} or {@code org_id}
 * @param value the service name or org id
 */
public record ErrorRateScope(String model, String dimension, String value) {

  public static final String SERVICE = "service";
  public static final String ORG = "org_id";

  public ErrorRateScope {
    if (!SERVICE.equals(dimension) && !ORG.equals(dimension)) {
      throw new IllegalArgumentException("dimension must be service or org_id, was " + dimension);
    }
    model = model == null ? "" : model;
    value = value == null ? "" : value;
  }

  public static ErrorRateScope forService(String model, String service) {
    return new ErrorRateScope(model, SERVICE, service);
  }

  public static ErrorRateScope forOrg(String model, String orgId) {
    return new ErrorRateScope(model, ORG, orgId);
  }

  /** The two scopes one event counts in: (model, service) and (model, org). */
  public static ErrorRateScope[] of(LlmCallEvent event) {
    return new ErrorRateScope[] {
      forService(event.getRequestModel(), event.getService()),
      forOrg(event.getRequestModel(), event.getOrgId())
    };
  }

  /** The key to store this scope's state under, unique per scope. */
  public String storeKey() {
    return DedupKeys.of("error_rate", model, dimension + "=" + value);
  }

  Map<String, String> asMap(ErrorClass errorClass) {
    Map<String, String> scope = new TreeMap<>();
    scope.put("model", model);
    scope.put(dimension, value);
    scope.put("error_class", errorClass.wireName());
    return scope;
  }

  String humanLabel() {
    String who = dimension.equals(SERVICE)
        ? "service " + value
        : "org " + (value.isEmpty() ? "(none)" : value);
    return model + " from " + who;
  }
}
