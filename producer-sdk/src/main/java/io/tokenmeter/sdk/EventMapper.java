package io.tokenmeter.sdk;

import io.tokenmeter.schemas.CallEventKeys;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.RateLimitSnapshot;
import io.tokenmeter.schemas.SdkInfo;
import io.tokenmeter.sdk.internal.Dispatcher;
import io.tokenmeter.sdk.internal.ErrorTypes;
import io.tokenmeter.sdk.internal.KeyFingerprints;
import io.tokenmeter.sdk.internal.RateLimits;
import io.tokenmeter.sdk.internal.SdkVersion;
import java.time.Instant;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Turns an {@link LlmCall} into the Kafka record, on the worker thread: the expensive parts
 * (HMAC of the key, the event id's SecureRandom, boxing) stay off the caller's thread. Lives in
 * this package because it reads LlmCall's fields, which are not public.
 */
final class EventMapper implements Dispatcher.Encoder<LlmCall, LlmCallEvent> {

  private final String topic;
  private final String service;
  private final String environment;
  private final KeyFingerprints fingerprints;
  private final SdkInfo sdk = new SdkInfo(SdkVersion.NAME, SdkVersion.VERSION);

  EventMapper(String topic, String service, String environment, byte[] fingerprintSecret) {
    this.topic = topic;
    this.service = service;
    this.environment = environment;
    this.fingerprints = new KeyFingerprints(fingerprintSecret);
  }

  @Override
  public ProducerRecord<String, LlmCallEvent> encode(LlmCall c) {
    String missing = isBlank(c.provider)
        ? "provider"
        : isBlank(c.operation) ? "operation" : isBlank(c.requestModel) ? "requestModel" : null;
    if (missing != null) {
      throw new Dispatcher.InvalidEventException("an LlmCall has no " + missing + " (required)");
    }
    KeyFingerprints.Identity key = fingerprints.identify(c.apiKey);
    String errorType = c.errorType != null ? c.errorType : ErrorTypes.forStatus(c.statusCode);
    LlmCallEvent event = new LlmCallEvent(
        c.eventId != null ? c.eventId : UUID.randomUUID().toString(),
        Instant.ofEpochMilli(c.timestampMillis),
        sdk,
        service,
        environment,
        c.orgId,
        c.projectId,
        key == null ? null : key.fingerprint(),
        key == null ? null : key.hint(),
        c.endUser,
        c.provider,
        c.operation,
        c.requestModel,
        c.responseModel,
        boxed(c.inputTokens),
        boxed(c.outputTokens),
        boxed(c.cacheReadInputTokens),
        boxed(c.cacheCreationInputTokens),
        boxed(c.reasoningOutputTokens),
        boxed(c.durationMs),
        boxed(c.timeToFirstTokenMs),
        c.statusCode > 0 ? c.statusCode : null,
        errorType,
        c.streaming,
        snapshot(c.rateLimits));
    // The record timestamp is the event time, so Kafka Streams windows by it without an extractor.
    return new ProducerRecord<>(topic, null, c.timestampMillis, recordKey(c), event);
  }

  /** The topic's key rule, {@link CallEventKeys}: one org's and project's events share a partition. */
  String recordKey(LlmCall c) {
    return CallEventKeys.of(c.orgId, c.projectId, service);
  }

  private static RateLimitSnapshot snapshot(RateLimits r) {
    if (r == null) {
      return null;
    }
    return new RateLimitSnapshot(
        boxed(r.limitRequests),
        boxed(r.limitTokens),
        boxed(r.remainingRequests),
        boxed(r.remainingTokens),
        boxed(r.resetRequestsMs),
        boxed(r.resetTokensMs));
  }

  private static Long boxed(long value) {
    return value == RateLimits.UNKNOWN ? null : value;
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }
}
