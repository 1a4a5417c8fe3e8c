/**
 * The SDK's implementation: the queue and worker, fingerprints, header and body parsing, the
 * producer's settings. <b>Not public API.</b> Its classes are public only because the SDK's own
 * package uses them; they change without notice, and no other module's main code imports them
 * ({@code InternalPackageBoundaryTest} checks). What other code may use is in {@code
 * io.tokenmeter.sdk}: {@code Tokenmeter} (with {@code keyFingerprint}, {@code producerConfig},
 * {@code SDK_NAME} and {@code SDK_VERSION}) and {@code LlmCall}.
 */
package io.tokenmeter.sdk.internal;
