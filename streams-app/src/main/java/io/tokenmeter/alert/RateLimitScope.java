package io.tokenmeter.alert;

import io.tokenmeter.schemas.LlmCallEvent;
import java.util.Map;
import java.util.TreeMap;

/**
 * Who a rate limit applies to: an org, optionally a project, and a model.
 *
 * @param orgId the provider org id; empty when the event had none
 * @param projectId the provider project id; empty when the event had none
 * @param model the requested model: provider limits are per model asked for, and failed calls (429s
 *     above all) have no response model
 */
public record RateLimitScope(String orgId, String projectId, String model) {

  public RateLimitScope {
    orgId = orgId == null ? "" : orgId;
    projectId = projectId == null ? "" : projectId;
    model = model == null ? "" : model;
  }

  /** The scope of one call event. */
  public static RateLimitScope of(LlmCallEvent event) {
    return new RateLimitScope(event.getOrgId(), event.getProjectId(), event.getRequestModel());
  }

  /** {@code org-1/proj-a}, or {@code org-1} without a project. */
  public String orgLabel() {
    return projectId.isEmpty() ? orgId : orgId + "/" + projectId;
  }

  /** The key to store this scope's state under, unique per scope. */
  public String storeKey() {
    return DedupKeys.of("rate_limit", orgId, projectId, model);
  }

  Map<String, String> asMap() {
    Map<String, String> scope = new TreeMap<>();
    scope.put("org_id", orgId);
    if (!projectId.isEmpty()) {
      scope.put("project_id", projectId);
    }
    scope.put("model", model);
    return scope;
  }

  String humanLabel() {
    String org = orgLabel().isEmpty() ? "(no org)" : orgLabel();
    return org + " " + model;
  }
}
