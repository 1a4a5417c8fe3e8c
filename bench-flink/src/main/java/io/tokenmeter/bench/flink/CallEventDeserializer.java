package io.tokenmeter.bench.flink;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.types.Row;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One Kafka record of the call topic to one row of the {@code calls} table. Also keeps the global
 * counters the result file reports: the MiniCluster runs in the job's own JVM, so these statics are
 * the ones {@link FlinkRollupJob#main} reads after the job.
 */
final class CallEventDeserializer implements KafkaRecordDeserializationSchema<Row> {

  private static final long serialVersionUID = 1L;

  static final AtomicLong RECORDS = new AtomicLong();
  static final AtomicLong FIRST_RECORD_AT_MS = new AtomicLong();
  static final AtomicLong FIRST_RECORD_CPU_NANOS = new AtomicLong();

  static final String[] FIELDS = {
    "ts_ms",
    "model",
    "org_id",
    "project_id",
    "api_key_fingerprint",
    "service",
    "error",
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
    "reasoning_output_tokens",
    "duration_ms"
  };

  private transient CallEventDecoder decoder;

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Row> out) {
    if (FIRST_RECORD_AT_MS.get() == 0
        && FIRST_RECORD_AT_MS.compareAndSet(0, System.currentTimeMillis())) {
      FIRST_RECORD_CPU_NANOS.set(processCpuNanos());
    }
    if (decoder == null) {
      decoder = new CallEventDecoder();
    }
    GenericRecord e;
    try {
      e = decoder.decode(record.value());
    } catch (IllegalArgumentException ex) {
      throw new IllegalArgumentException(
          "record " + record.topic() + "-" + record.partition() + "@" + record.offset() + ": "
              + ex.getMessage(),
          ex);
    }
    Object responseModel = e.get("response_model");
    out.collect(Row.of(
        (Long) e.get("timestamp"),
        responseModel != null
            ? responseModel.toString()
            : e.get("request_model").toString(),
        orEmpty(e.get("org_id")),
        orEmpty(e.get("project_id")),
        orEmpty(e.get("api_key_fingerprint")),
        e.get("service").toString(),
        e.get("error_type") != null ? 1L : 0L,
        (Long) e.get("input_tokens"),
        (Long) e.get("output_tokens"),
        (Long) e.get("cache_read_input_tokens"),
        (Long) e.get("cache_creation_input_tokens"),
        (Long) e.get("reasoning_output_tokens"),
        (Long) e.get("duration_ms")));
    RECORDS.incrementAndGet();
  }

  @Override
  public TypeInformation<Row> getProducedType() {
    return Types.ROW_NAMED(
        FIELDS,
        Types.LONG,
        Types.STRING,
        Types.STRING,
        Types.STRING,
        Types.STRING,
        Types.STRING,
        Types.LONG,
        Types.LONG,
        Types.LONG,
        Types.LONG,
        Types.LONG,
        Types.LONG,
        Types.LONG);
  }

  private static String orEmpty(Object s) {
    return s == null ? "" : s.toString();
  }

  static long processCpuNanos() {
    return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
