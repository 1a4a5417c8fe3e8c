/**
 * The HTTP side of a Tokenmeter process: one JDK server per process ({@link
 * io.tokenmeter.http.HttpService}) with {@code /health}; the query endpoints join it.
 */
package io.tokenmeter.http;
