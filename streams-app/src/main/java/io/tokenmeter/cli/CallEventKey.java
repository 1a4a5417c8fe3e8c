package io.tokenmeter.cli;

import io.tokenmeter.schemas.LlmCallEvent;

/**
 * The Kafka record key of a call event, by the producer SDK's rule ({@code EventMapper.recordKey}
 * in producer-sdk): {@code org_id/project_id}, either side empty when absent, or the service when
 * both are absent. The streams app keeps rate-limit state per partition, so events sent by the CLI
 * must land where the SDK's events for the same organisation and project land. ProduceConsumeIT
 * checks this against the SDK's own code.
 */
final class CallEventKey {

  private CallEventKey() {}

  static String of(LlmCallEvent event) {
    String org = event.getOrgId();
    String project = event.getProjectId();
    if (org == null && project == null) {
      return event.getService();
    }
    return (org == null ? "" : org) + '/' + (project == null ? "" : project);
  }
}
