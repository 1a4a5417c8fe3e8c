package io.tokenmeter.rollup;

import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * One processor and the heap store it drives, in a test driver: text commands in on {@code in},
 * the processor's answers out on {@code out}, and the store's changelog, which the driver writes at
 * every commit (after each input record). The scaffolding the heap-store tests share.
 */
final class StoreDriver implements AutoCloseable {

  final TopologyTestDriver driver;
  final TestInputTopic<String, String> in;
  final TestOutputTopic<String, String> out;
  final TestOutputTopic<byte[], byte[]> changelog;

  StoreDriver(
      String applicationId,
      ProcessorSupplier<String, String, String, String> processor,
      StoreBuilder<?> store) {
    Topology t = new Topology();
    t.addSource("in", new StringDeserializer(), new StringDeserializer(), "in");
    t.addProcessor("processor", processor, "in");
    t.addStateStore(store, "processor");
    t.addSink("out", "out", new StringSerializer(), new StringSerializer(), "processor");
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    driver = new TopologyTestDriver(t, p);
    in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
    out = driver.createOutputTopic("out", new StringDeserializer(), new StringDeserializer());
    changelog = driver.createOutputTopic(
        applicationId + "-" + store.name() + "-changelog",
        new ByteArrayDeserializer(),
        new ByteArrayDeserializer());
  }

  @Override
  public void close() {
    driver.close();
  }
}
