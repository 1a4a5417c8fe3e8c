package io.tokenmeter.schemas;

/**
 * The Kafka record key of a call event on {@code llm.calls}: {@code org_id/project_id}, either side
 * empty when absent, or the service when both are absent. Part of the topic's contract: the streams
 * app keeps rate-limit state per partition, so every producer (the SDK, the CLI) must key the same
 * way, and the app repartitions records that arrive under any other key.
 */
public final class CallEventKeys {

  private CallEventKeys() {}

  public static String of(String orgId, String projectId, String service) {
    if (orgId == null && projectId == null) {
      return service;
    }
    return (orgId == null ? "" : orgId) + '/' + (projectId == null ? "" : projectId);
  }

  public static String of(LlmCallEvent event) {
    return of(event.getOrgId(), event.getProjectId(), event.getService());
  }

  /** Whether {@code key} equals {@link #of(LlmCallEvent)}, without building that key. */
  public static boolean matches(String key, LlmCallEvent event) {
    return matches(key, event.getOrgId(), event.getProjectId(), event.getService());
  }

  /** Whether {@code key} equals {@link #of(String, String, String)}, without building that key. */
  public static boolean matches(String key, String org, String project, String service) {
    if (org == null && project == null) {
      return key.equals(service);
    }
    int orgLength = org == null ? 0 : org.length();
    int projectLength = project == null ? 0 : project.length();
    return key.length() == orgLength + 1 + projectLength
        && key.charAt(orgLength) == '/'
        && (org == null || key.startsWith(org))
        && (project == null || key.endsWith(project));
  }
}
