package io.tokenmeter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenmeter.schemas.UsageRollup;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.calcite.DataContext;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Linq4j;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.ScannableTable;
import org.apache.calcite.schema.impl.AbstractTable;
import org.apache.calcite.sql.type.SqlTypeName;

/**
 * The table {@code rollups} that {@code tokenmeter query} runs SQL over: one row per rollup from
 * {@code GET /api/v1/rollups}, one column per field of the {@code UsageRollup} Avro schema, under
 * the same name. Timestamps are SQL TIMESTAMPs (UTC); money stays BIGINT micro-dollars;
 * {@code errors_by_class} is its JSON text; the latency sketch is left out, as the API leaves it.
 */
final class RollupTable extends AbstractTable implements ScannableTable {

  enum Kind {
    TIMESTAMP(SqlTypeName.TIMESTAMP),
    BIGINT(SqlTypeName.BIGINT),
    DOUBLE(SqlTypeName.DOUBLE),
    VARCHAR(SqlTypeName.VARCHAR),
    JSON(SqlTypeName.VARCHAR);

    final SqlTypeName sqlType;

    Kind(SqlTypeName sqlType) {
      this.sqlType = sqlType;
    }
  }

  record ColumnDef(String name, Kind kind, boolean nullable) {}

  static final List<ColumnDef> COLUMNS = columnsOf(UsageRollup.getClassSchema());

  private final List<Object[]> rows;

  RollupTable(List<JsonNode> rollups) {
    rows = new ArrayList<>(rollups.size());
    for (JsonNode rollup : rollups) {
      Object[] row = new Object[COLUMNS.size()];
      for (int c = 0; c < row.length; c++) {
        row[c] = valueOf(COLUMNS.get(c), rollup.get(COLUMNS.get(c).name()));
      }
      rows.add(row);
    }
  }

  @Override
  public RelDataType getRowType(RelDataTypeFactory types) {
    RelDataTypeFactory.Builder row = types.builder();
    for (ColumnDef c : COLUMNS) {
      RelDataType type = c.kind() == Kind.TIMESTAMP
          ? types.createSqlType(SqlTypeName.TIMESTAMP, 3)
          : types.createSqlType(c.kind().sqlType);
      row.add(c.name(), types.createTypeWithNullability(type, c.nullable()));
    }
    return row.build();
  }

  @Override
  public Enumerable<Object[]> scan(DataContext root) {
    return Linq4j.asEnumerable(rows);
  }

  /** "name TYPE" for each column, for --help and error messages. */
  static String describeColumns() {
    StringBuilder text = new StringBuilder();
    for (ColumnDef c : COLUMNS) {
      if (text.length() > 0) {
        text.append(", ");
      }
      text.append(c.name()).append(' ').append(c.kind().sqlType);
    }
    return text.toString();
  }

  private static Object valueOf(ColumnDef column, JsonNode value) {
    if (value == null || value.isNull()) {
      return null;
    }
    switch (column.kind()) {
      case TIMESTAMP:
      case BIGINT:
        // Calcite holds a TIMESTAMP as epoch millis, exactly what the API sends.
        return value.asLong();
      case DOUBLE:
        return value.asDouble();
      case JSON:
        return value.toString();
      default:
        return value.asText();
    }
  }

  private static List<ColumnDef> columnsOf(Schema schema) {
    List<ColumnDef> columns = new ArrayList<>();
    for (Schema.Field field : schema.getFields()) {
      Schema type = field.schema();
      boolean nullable = false;
      if (type.isUnion()) {
        nullable = type.getTypes().stream().anyMatch(t -> t.getType() == Schema.Type.NULL);
        type = type.getTypes().stream()
            .filter(t -> t.getType() != Schema.Type.NULL)
            .findFirst()
            .orElseThrow();
      }
      Kind kind;
      switch (type.getType()) {
        case LONG:
        case INT:
          kind = type.getLogicalType() instanceof LogicalTypes.TimestampMillis
              ? Kind.TIMESTAMP
              : Kind.BIGINT;
          break;
        case DOUBLE:
        case FLOAT:
          kind = Kind.DOUBLE;
          break;
        case STRING:
        case ENUM:
          kind = Kind.VARCHAR;
          break;
        case MAP:
          kind = Kind.JSON;
          break;
        default:
          // The latency sketch (bytes): the API does not send it and SQL could do nothing with it.
          continue;
      }
      columns.add(new ColumnDef(field.name(), kind, nullable));
    }
    return List.copyOf(columns);
  }
}
