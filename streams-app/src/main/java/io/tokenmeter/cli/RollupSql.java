package io.tokenmeter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.TimeZone;
import org.apache.calcite.avatica.util.Casing;
import org.apache.calcite.jdbc.CalciteConnection;
import org.apache.calcite.runtime.CalciteContextException;
import org.apache.calcite.sql.SqlBasicCall;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlOrderBy;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.dialect.CalciteSqlDialect;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.util.SqlBasicVisitor;
import org.apache.calcite.sql.validate.SqlConformanceEnum;

/**
 * One {@code tokenmeter query}: Apache Calcite parses, validates and runs the SQL over the table
 * {@code rollups}; this class only rewrites {@code now()}, works out which time range of rollups
 * the query needs, and turns Calcite's errors into a line, a column and a reason.
 */
final class RollupSql {

  private static final DateTimeFormatter LITERAL =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS", Locale.ROOT).withZone(ZoneOffset.UTC);

  /** A query Calcite rejected, at a 1-based line and column of the text the user wrote. */
  static final class QueryError extends Exception {
    final int line;
    final int column;
    final String reason;

    QueryError(String reason, int line, int column) {
      super("line " + line + ", column " + column + ": " + reason);
      this.reason = reason;
      this.line = line;
      this.column = column;
    }
  }

  /** The rollups the query reads, as {@code from}/{@code to} epoch millis; null where open. */
  record Range(Long from, Long to) {
    boolean known() {
      return from != null;
    }
  }

  /** The result: column labels, which are numbers, and rows of display-ready values. */
  record Result(List<String> columns, List<Boolean> numeric, List<List<Object>> rows) {}

  private final SqlRewrite sql;
  private final SqlNode parsed;

  private RollupSql(SqlRewrite sql, SqlNode parsed) {
    this.sql = sql;
    this.parsed = parsed;
  }

  /** Parses the query; a syntax error is reported where the user wrote it. */
  static RollupSql parse(String query, Instant now) throws QueryError {
    SqlRewrite rewrite = SqlRewrite.of(query, "TIMESTAMP '" + LITERAL.format(now) + "'");
    try {
      SqlNode node = SqlParser.create(rewrite.rewritten, parserConfig()).parseQuery();
      return new RollupSql(rewrite, node);
    } catch (SqlParseException e) {
      throw error(rewrite, firstLine(e.getMessage()), e.getPos());
    }
  }

  /**
   * Parses, validates and plans the query over an empty table, so that every error in it is
   * reported before the API is asked for anything.
   */
  void validate() throws QueryError {
    try (Connection connection = connect(List.of());
        java.sql.PreparedStatement statement = connection.prepareStatement(sql.rewritten)) {
      statement.getMetaData();
    } catch (SQLException e) {
      throw translate(e);
    }
  }

  /**
   * The window_start range the WHERE clause pins down with top-level AND-ed comparisons against
   * constant expressions ({@code window_start > now() - INTERVAL 1 HOUR}, {@code BETWEEN}, ...);
   * unknown when it does not, and the caller falls back to --last.
   */
  Range range() throws QueryError {
    SqlNode where = whereOf(parsed);
    if (where == null) {
      return new Range(null, null);
    }
    Long[] bounds = new Long[2];
    try (Connection connection = connect(List.of())) {
      collectBounds(where, bounds, connection);
    } catch (SQLException e) {
      throw translate(e);
    }
    return new Range(bounds[0], bounds[1]);
  }

  /** Runs the query over these rollups. */
  Result run(List<JsonNode> rollups) throws QueryError {
    try (Connection connection = connect(rollups);
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql.rewritten)) {
      ResultSetMetaData meta = rs.getMetaData();
      int n = meta.getColumnCount();
      List<String> columns = new ArrayList<>();
      List<Boolean> numeric = new ArrayList<>();
      for (int c = 1; c <= n; c++) {
        columns.add(meta.getColumnLabel(c));
        numeric.add(isNumeric(meta.getColumnType(c)));
      }
      List<List<Object>> rows = new ArrayList<>();
      Calendar utc = Calendar.getInstance(TimeZone.getTimeZone(ZoneOffset.UTC), Locale.ROOT);
      while (rs.next()) {
        List<Object> row = new ArrayList<>(n);
        for (int c = 1; c <= n; c++) {
          int type = meta.getColumnType(c);
          if (type == Types.TIMESTAMP) {
            Timestamp ts = rs.getTimestamp(c, utc);
            row.add(ts == null ? null : ts.toInstant());
          } else {
            row.add(rs.getObject(c));
          }
        }
        rows.add(row);
      }
      return new Result(columns, numeric, rows);
    } catch (SQLException e) {
      throw translate(e);
    }
  }

  private void collectBounds(SqlNode node, Long[] bounds, Connection connection) {
    if (!(node instanceof SqlCall call)) {
      return;
    }
    SqlKind kind = call.getKind();
    if (kind == SqlKind.AND) {
      for (SqlNode operand : call.getOperandList()) {
        collectBounds(operand, bounds, connection);
      }
      return;
    }
    if (kind == SqlKind.BETWEEN
        && isWindowStart(call.operand(0))
        && isConstant(call.operand(1))
        && isConstant(call.operand(2))
        && !((SqlBasicCall) call).getOperator().getName().contains("NOT")) {
      Long low = evaluate(call.operand(1), connection);
      Long high = evaluate(call.operand(2), connection);
      if (low != null && high != null) {
        raiseFrom(bounds, low);
        lowerTo(bounds, high + 1);
      }
      return;
    }
    if (call.getOperandList().size() != 2) {
      return;
    }
    SqlNode left = call.operand(0);
    SqlNode right = call.operand(1);
    if (!isWindowStart(left) && isWindowStart(right)) {
      kind = kind.reverse();
      SqlNode swap = left;
      left = right;
      right = swap;
    }
    if (!isWindowStart(left) || !isConstant(right)) {
      return;
    }
    Long at;
    switch (kind) {
      case GREATER_THAN:
      case GREATER_THAN_OR_EQUAL:
        at = evaluate(right, connection);
        if (at != null) {
          raiseFrom(bounds, at);
        }
        break;
      case LESS_THAN:
        at = evaluate(right, connection);
        if (at != null) {
          lowerTo(bounds, at);
        }
        break;
      case LESS_THAN_OR_EQUAL:
        at = evaluate(right, connection);
        if (at != null) {
          lowerTo(bounds, at + 1);
        }
        break;
      case EQUALS:
        at = evaluate(right, connection);
        if (at != null) {
          raiseFrom(bounds, at);
          lowerTo(bounds, at + 1);
        }
        break;
      default:
        break;
    }
  }

  private static void raiseFrom(Long[] bounds, long from) {
    bounds[0] = bounds[0] == null ? from : Math.max(bounds[0], from);
  }

  private static void lowerTo(Long[] bounds, long to) {
    bounds[1] = bounds[1] == null ? to : Math.min(bounds[1], to);
  }

  /**
   * A constant TIMESTAMP expression's value, as epoch millis, by letting Calcite compute it; null
   * when it is not one (window_start > 5): no range then, and running the query itself reports
   * the error at the user's own position.
   */
  private static Long evaluate(SqlNode expression, Connection connection) {
    String text = expression.toSqlString(CalciteSqlDialect.DEFAULT).getSql();
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT " + text)) {
      // Only a TIMESTAMP bounds window_start; anything else is the query's own type error.
      if (rs.getMetaData().getColumnType(1) != Types.TIMESTAMP || !rs.next()) {
        return null;
      }
      Timestamp ts = rs.getTimestamp(
          1, Calendar.getInstance(TimeZone.getTimeZone(ZoneOffset.UTC), Locale.ROOT));
      return ts == null ? null : ts.getTime();
    } catch (SQLException e) {
      return null;
    }
  }

  private static boolean isWindowStart(SqlNode node) {
    return node instanceof SqlIdentifier id
        && id.names.get(id.names.size() - 1).equalsIgnoreCase("window_start");
  }

  private static boolean isConstant(SqlNode node) {
    Boolean[] constant = {true};
    node.accept(new SqlBasicVisitor<Void>() {
      @Override
      public Void visit(SqlIdentifier id) {
        // CURRENT_TIMESTAMP parses as a call; any identifier is a column, so not a constant.
        constant[0] = false;
        return null;
      }

      @Override
      public Void visit(SqlCall call) {
        if (call instanceof SqlSelect) {
          constant[0] = false;
          return null;
        }
        return super.visit(call);
      }
    });
    return constant[0];
  }

  private static SqlNode whereOf(SqlNode node) {
    if (node instanceof SqlOrderBy orderBy) {
      node = orderBy.query;
    }
    return node instanceof SqlSelect select ? select.getWhere() : null;
  }

  private static Connection connect(List<JsonNode> rollups) throws SQLException {
    Properties info = new Properties();
    // Column names are the Avro field names, lower case; they match however the user types them.
    info.setProperty("caseSensitive", "false");
    info.setProperty("unquotedCasing", Casing.UNCHANGED.name());
    info.setProperty("quotedCasing", Casing.UNCHANGED.name());
    info.setProperty("conformance", SqlConformanceEnum.LENIENT.name());
    // TIMESTAMPs are UTC everywhere, as the rollups' window_start is.
    info.setProperty("timeZone", "UTC");
    Connection connection = DriverManager.getConnection("jdbc:calcite:", info);
    CalciteConnection calcite = connection.unwrap(CalciteConnection.class);
    calcite.getRootSchema().add("rollups", new RollupTable(rollups));
    return connection;
  }

  private static SqlParser.Config parserConfig() {
    return SqlParser.config()
        .withCaseSensitive(false)
        .withUnquotedCasing(Casing.UNCHANGED)
        .withQuotedCasing(Casing.UNCHANGED)
        .withConformance(SqlConformanceEnum.LENIENT);
  }

  private QueryError translate(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CalciteContextException context) {
        String reason =
            context.getCause() != null ? context.getCause().getMessage() : context.getMessage();
        SqlRewrite.Position at = sql.toOriginal(context.getPosLine(), context.getPosColumn());
        return new QueryError(firstLine(reason), at.line(), at.column());
      }
      if (t instanceof SqlParseException parse) {
        return error(sql, firstLine(parse.getMessage()), parse.getPos());
      }
    }
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return new QueryError(
        firstLine(root.getMessage() == null ? e.getMessage() : root.getMessage()), 1, 1);
  }

  private static QueryError error(SqlRewrite sql, String reason, SqlParserPos pos) {
    SqlRewrite.Position at = pos == null
        ? new SqlRewrite.Position(1, 1)
        : sql.toOriginal(pos.getLineNum(), pos.getColumnNum());
    return new QueryError(reason, at.line(), at.column());
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "invalid query";
    }
    String line = message.strip().lines().findFirst().orElse(message);
    // Calcite says "Encountered "x" at line 1, column 8." and we print the position ourselves.
    return line.replaceAll("\\s*at line \\d+, column \\d+\\.?", "")
        .replaceAll("\\.$", "")
        .replace("Encountered \"<EOF>\"", "The query ends too early");
  }

  private static boolean isNumeric(int type) {
    switch (type) {
      case Types.BIGINT:
      case Types.INTEGER:
      case Types.SMALLINT:
      case Types.TINYINT:
      case Types.DOUBLE:
      case Types.FLOAT:
      case Types.REAL:
      case Types.DECIMAL:
      case Types.NUMERIC:
        return true;
      default:
        return false;
    }
  }
}
