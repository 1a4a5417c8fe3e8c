package io.tokenmeter.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenmeter.schemas.Alert;
import io.tokenmeter.schemas.UsageRollup;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/** The JSON bodies of docs/query-api.md. */
final class QueryJson {

  static final ObjectMapper MAPPER = new ObjectMapper();

  private QueryJson() {}

  static ObjectNode error(String message, String parameter) {
    ObjectNode o = MAPPER.createObjectNode().put("error", message);
    if (parameter != null) {
      o.put("parameter", parameter);
    }
    return o;
  }

  static ObjectNode series(
      Metric metric, Dimension groupBy, RollupQuery q, List<SeriesAggregation.Series> series) {
    ObjectNode o = MAPPER
        .createObjectNode()
        .put("metric", metric.parameter)
        .put("group_by", groupBy == null ? "none" : groupBy.parameter)
        .put("from", q.from())
        .put("to", q.to())
        .put("step_ms", 60_000L);
    ArrayNode all = o.putArray("series");
    for (SeriesAggregation.Series s : series) {
      ObjectNode one = all.addObject().put("group", s.group());
      ArrayNode points = one.putArray("points");
      s.points().forEach((window, value) -> {
        ArrayNode p = points.addArray().add(window);
        number(p, value);
      });
    }
    return o;
  }

  private static void number(ArrayNode into, Number value) {
    if (value == null) {
      into.addNull();
    } else if (value instanceof Long l) {
      into.add(l);
    } else {
      into.add(value.doubleValue());
    }
  }

  static ObjectNode top(
      TopAggregation.By by, Dimension group, RollupQuery q, List<TopAggregation.Row> rows) {
    ObjectNode o = MAPPER
        .createObjectNode()
        .put("by", by.parameter)
        .put("group", group.parameter)
        .put("from", q.from())
        .put("to", q.to());
    ArrayNode all = o.putArray("rows");
    for (TopAggregation.Row row : rows) {
      Totals t = row.totals();
      ObjectNode r = all.addObject().put("group", row.group());
      if (group == Dimension.KEY) {
        r.put("hint", t.apiKeyHint);
      }
      r.put("requests", t.requests)
          .put("errors", t.errors)
          .put("input_tokens", t.inputTokens)
          .put("output_tokens", t.outputTokens)
          .put("tokens", t.tokens())
          .put("cost_micros", t.costMicros)
          .put("unpriced_requests", t.unpricedRequests);
    }
    return o;
  }

  static ObjectNode rollups(RollupQuery q, List<UsageRollup> rollups) {
    ObjectNode o = MAPPER.createObjectNode().put("from", q.from()).put("to", q.to());
    ArrayNode all = o.putArray("rollups");
    for (UsageRollup r : rollups) {
      ObjectNode row = all.addObject();
      for (Schema.Field f : r.getSchema().getFields()) {
        if (!f.name().equals("latency_sketch")) {
          row.set(f.name(), value(r.get(f.pos())));
        }
      }
    }
    return o;
  }

  static ObjectNode alerts(List<Alert> alerts) {
    ObjectNode o = MAPPER.createObjectNode();
    ArrayNode all = o.putArray("alerts");
    for (Alert a : alerts) {
      ObjectNode row = all.addObject()
          .put("dedup_key", a.getDedupKey().toString())
          .put("alert_type", a.getAlertType().toString())
          .put("severity", a.getSeverity().toString());
      row.set("scope", value(a.getScope()));
      row.put("observed_value", a.getObservedValue()).put("threshold", a.getThreshold());
      row.set("window_start", value(a.getWindowStart()));
      row.set("window_end", value(a.getWindowEnd()));
      row.put("summary", a.getSummary().toString())
          .put("since", a.getEmittedAt().toEpochMilli());
    }
    return o;
  }

  /** Avro values as JSON: instants as epoch millis, maps as objects (keys sorted), bytes as base64. */
  private static JsonNode value(Object v) {
    if (v == null) {
      return MAPPER.nullNode();
    } else if (v instanceof Instant i) {
      return MAPPER.getNodeFactory().numberNode(i.toEpochMilli());
    } else if (v instanceof Long l) {
      return MAPPER.getNodeFactory().numberNode(l);
    } else if (v instanceof Integer i) {
      return MAPPER.getNodeFactory().numberNode(i);
    } else if (v instanceof Double d) {
      return MAPPER.getNodeFactory().numberNode(d);
    } else if (v instanceof Boolean b) {
      return MAPPER.getNodeFactory().booleanNode(b);
    } else if (v instanceof Map<?, ?> m) {
      ObjectNode o = MAPPER.createObjectNode();
      new java.util.TreeMap<String, Object>(toStringKeys(m)).forEach((k, x) -> o.set(k, value(x)));
      return o;
    } else if (v instanceof ByteBuffer b) {
      byte[] bytes = new byte[b.remaining()];
      b.duplicate().get(bytes);
      return MAPPER.getNodeFactory().binaryNode(bytes);
    }
    return MAPPER.getNodeFactory().textNode(v.toString());
  }

  private static Map<String, Object> toStringKeys(Map<?, ?> m) {
    Map<String, Object> out = new java.util.HashMap<>();
    m.forEach((k, v) -> out.put(k.toString(), v));
    return out;
  }
}
