/**
 * The SDK's public API: {@link io.tokenmeter.sdk.Tokenmeter} and {@link io.tokenmeter.sdk.LlmCall}.
 * Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable}: where a
 * method tolerates null (the call builder takes anything; {@code record(null)} is counted, never
 * thrown), its parameter says so.
 */
@NullMarked
package io.tokenmeter.sdk;

import org.jspecify.annotations.NullMarked;
