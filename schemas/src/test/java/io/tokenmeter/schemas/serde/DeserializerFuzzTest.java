package io.tokenmeter.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.LlmCallEvent;
import io.tokenmeter.schemas.UsageRollup;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Random and damaged bytes against the deserializer. Whatever arrives, the answer is a record or a
 * {@link SerializationException} whose message says what is wrong; never another exception type,
 * never an allocation sized by what the bytes claim.
 *
 * <p>Hangs and out-of-memory are ruled out by construction rather than by a timer: the reader
 * works on a byte array, every length it allocates for is checked against the bytes left
 * ({@link BoundedDecoder}), and each step of the decoder consumes at least one byte or ends. A
 * try that broke that would show here as an {@link OutOfMemoryError} on the test heap or a build
 * that does not finish. Coverage-guided fuzzing (Jazzer) was considered; in a normal test run it
 * only replays its seed corpus, while these properties draw fresh inputs on every build.
 */
class DeserializerFuzzTest {

  private static final String TOPIC = "llm.calls";
  private static final int REGISTERED_ID = 7;

  private static FakeSchemaRegistry registry;
  private static AvroDeserializer<LlmCallEvent> withRegistry;
  private static AvroDeserializer<LlmCallEvent> withoutRegistry;
  private static byte[] singleObject;
  private static byte[] confluent;

  @BeforeContainer
  static void setUp() {
    registry = FakeSchemaRegistry.start(REGISTERED_ID);
    withRegistry =
        new AvroDeserializer<>(LlmCallEvent.class, AvroSerdeConfig.withRegistry(registry.url()));
    withoutRegistry = new AvroDeserializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry());
    singleObject = new AvroSerializer<>(LlmCallEvent.class, AvroSerdeConfig.withoutRegistry())
        .serialize(TOPIC, CallEvents.golden());
    confluent = new AvroSerializer<>(
            LlmCallEvent.class, AvroSerdeConfig.withRegistry(registry.url()))
        .serialize(TOPIC, CallEvents.golden());
  }

  @AfterContainer
  static void stopRegistry() {
    registry.close();
  }

  @Property(tries = 2000)
  void randomBytesYieldARecordOrAClearSerializationException(
      @ForAll @Size(max = 600) byte[] bytes) {
    assertRecordOrClearRefusal(withoutRegistry, bytes);
    if (bytes.length == 0 || bytes[0] != WireFormat.CONFLUENT_MAGIC) {
      // Random bytes starting 00 would ask the registry for random ids: covered below, fewer times.
      assertRecordOrClearRefusal(withRegistry, bytes);
    }
  }

  @Property(tries = 2000)
  void randomBodiesBehindAValidHeaderYieldARecordOrAClearSerializationException(
      @ForAll @Size(max = 400) byte[] body, @ForAll boolean asConfluent) {
    byte[] header = Arrays.copyOf(asConfluent ? confluent : singleObject, asConfluent ? 5 : 10);
    assertRecordOrClearRefusal(asConfluent ? withRegistry : withoutRegistry, concat(header, body));
  }

  @Property(tries = 1000)
  void everyTruncationOfAValidRecordIsRefusedAsCorruptOrTruncated(
      @ForAll boolean asConfluent, @ForAll @IntRange(min = 0, max = 10_000) int cutSeed) {
    byte[] whole = asConfluent ? confluent : singleObject;
    byte[] cut = Arrays.copyOf(whole, cutSeed % whole.length);

    Throwable thrown = refusal(asConfluent ? withRegistry : withoutRegistry, cut);

    assertThat(thrown).isExactlyInstanceOf(SerializationException.class);
    assertThat(thrown.getMessage())
        .containsAnyOf("truncated", "corrupt", "unknown Avro wire format");
  }

  @Property(tries = 2000)
  void mutatedValidRecordsYieldARecordOrAClearSerializationException(
      @ForAll boolean asConfluent,
      @ForAll("mutations") List<Tuple.Tuple2<Integer, Byte>> mutations) {
    byte[] bytes = (asConfluent ? confluent : singleObject).clone();
    // The schema id is left alone: each changed id is a registry round trip, and unknown ids have
    // their own property below.
    int from = asConfluent ? 5 : 0;
    for (Tuple.Tuple2<Integer, Byte> m : mutations) {
      bytes[from + m.get1() % (bytes.length - from)] = m.get2();
    }
    assertRecordOrClearRefusal(asConfluent ? withRegistry : withoutRegistry, bytes);
  }

  @Property(tries = 1000)
  void hugeDeclaredLengthsAnywhereAreRefusedBeforeAllocation(
      @ForAll boolean asConfluent,
      @ForAll @IntRange(min = 0, max = 10_000) int positionSeed,
      @ForAll("hugeLengths") long declared) {
    byte[] whole = asConfluent ? confluent : singleObject;
    int headerLength = asConfluent ? 5 : 10;
    int position = headerLength + positionSeed % (whole.length - headerLength);
    byte[] bytes = concat(
        Arrays.copyOf(whole, position),
        zigZagVarLong(declared),
        Arrays.copyOfRange(whole, position, whole.length));

    assertRecordOrClearRefusal(asConfluent ? withRegistry : withoutRegistry, bytes);
  }

  @Property(tries = 300)
  void wrongMagicBytesAreRefusedNamingTheExpectedFormats(
      @ForAll byte first, @ForAll @Size(max = 200) byte[] rest) {
    byte[] bytes = concat(new byte[] {first}, rest);
    boolean announcesAFormat = first == WireFormat.CONFLUENT_MAGIC
        || (first == WireFormat.SINGLE_OBJECT_MARKER_0
            && rest.length > 0
            && rest[0] == WireFormat.SINGLE_OBJECT_MARKER_1);
    if (announcesAFormat) {
      return;
    }
    Throwable thrown = refusal(withRegistry, bytes);

    assertThat(thrown).isExactlyInstanceOf(SerializationException.class);
    assertThat(thrown.getMessage())
        .startsWith("unknown Avro wire format on topic llm.calls")
        .endsWith("expected 00 (Confluent) or c301 (single-object)");
  }

  @Property(tries = 100)
  void unknownSchemaIdsAreRefusedNamingTheId(@ForAll int id) {
    if (id == REGISTERED_ID) {
      return;
    }
    byte[] bytes = confluent.clone();
    ByteBuffer.wrap(bytes).putInt(1, id);

    Throwable thrown = refusal(withRegistry, bytes);

    assertThat(thrown).isExactlyInstanceOf(SerializationException.class);
    assertThat(thrown.getMessage()).contains("schema id " + id);
  }

  @Property(tries = 1500)
  void randomBodiesOfTheRecordsWithMapsYieldARecordOrAClearSerializationException(
      @ForAll @Size(max = 400) byte[] body,
      @ForAll boolean alert,
      @ForAll("hugeLengths") long spliced,
      @ForAll @IntRange(min = 0, max = 400) int at) {
    // Alert (scope, details) and UsageRollup (errors_by_class) hold maps, whose block counts
    // BoundedDecoder checks as well; the call event has none.
    Schema schema = alert ? Alert.getClassSchema() : UsageRollup.getClassSchema();
    byte[] header = ByteBuffer.allocate(10)
        .order(ByteOrder.LITTLE_ENDIAN)
        .put(WireFormat.SINGLE_OBJECT_MARKER_0)
        .put(WireFormat.SINGLE_OBJECT_MARKER_1)
        .putLong(SchemaNormalization.parsingFingerprint64(schema))
        .array();
    int cut = Math.min(at, body.length);
    byte[] bytes = concat(
        header,
        Arrays.copyOf(body, cut),
        zigZagVarLong(spliced),
        Arrays.copyOfRange(body, cut, body.length));

    Throwable thrown;
    try {
      (alert ? ALERTS : ROLLUPS).deserialize(TOPIC, bytes);
      thrown = null;
    } catch (RuntimeException e) {
      thrown = e;
    }
    if (thrown != null) {
      assertThat(thrown).isExactlyInstanceOf(SerializationException.class);
      assertThat(thrown.getMessage()).isNotBlank();
    }
  }

  private static final AvroDeserializer<Alert> ALERTS =
      new AvroDeserializer<>(Alert.class, AvroSerdeConfig.withoutRegistry());
  private static final AvroDeserializer<UsageRollup> ROLLUPS =
      new AvroDeserializer<>(UsageRollup.class, AvroSerdeConfig.withoutRegistry());

  @Provide
  Arbitrary<List<Tuple.Tuple2<Integer, Byte>>> mutations() {
    return Arbitraries.integers()
        .between(0, 10_000)
        .flatMap(position -> Arbitraries.bytes().map(b -> Tuple.of(position, b)))
        .list()
        .ofMinSize(1)
        .ofMaxSize(8);
  }

  @Provide
  Arbitrary<Long> hugeLengths() {
    return Arbitraries.oneOf(
        Arbitraries.longs().between(1_000, Long.MAX_VALUE),
        Arbitraries.longs().between(Long.MIN_VALUE, -1),
        Arbitraries.of(
            Long.MAX_VALUE, Long.MIN_VALUE, (long) Integer.MAX_VALUE, Integer.MAX_VALUE + 1L, -1L));
  }

  private static void assertRecordOrClearRefusal(
      AvroDeserializer<LlmCallEvent> deserializer, byte[] bytes) {
    Throwable thrown = refusal(deserializer, bytes);
    if (thrown == null) {
      return;
    }
    assertThat(thrown).isExactlyInstanceOf(SerializationException.class);
    assertThat(thrown.getMessage()).isNotBlank();
  }

  /** What deserializing threw, or null when it returned a record. */
  private static Throwable refusal(AvroDeserializer<LlmCallEvent> deserializer, byte[] bytes) {
    try {
      assertThat(deserializer.deserialize(TOPIC, bytes)).isNotNull();
      return null;
    } catch (RuntimeException e) {
      return e;
    }
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** Avro's encoding of a long: zig-zag, then 7 bits a byte. */
  private static byte[] zigZagVarLong(long n) {
    long v = (n << 1) ^ (n >> 63);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
    return out.toByteArray();
  }
}
