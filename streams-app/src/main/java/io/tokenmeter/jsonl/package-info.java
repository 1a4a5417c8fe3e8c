/**
 * Our Avro records as plain JSON lines, both ways: {@link io.tokenmeter.jsonl.JsonRecordReader}
 * and {@link io.tokenmeter.jsonl.JsonRecordWriter}. Plain means the JSON a person would write: the
 * Avro field names as keys, a nullable field as its value or null (not Avro's {@code {"long": 5}}),
 * timestamps as epoch milliseconds and bytes as base64. The {@code tokenmeter produce} and {@code
 * consume} commands use it; docs/cli.md describes the shape.
 */
package io.tokenmeter.jsonl;
