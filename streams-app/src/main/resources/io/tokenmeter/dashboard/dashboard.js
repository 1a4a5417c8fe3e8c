// Tokenmeter dashboard: plain ES2020, no build step. Reads the query API (docs/query-api.md) and
// draws with the vendored uPlot. Every number on the page is also text with a stable id, so that
// the browser test (DashboardIT) can compare it with the rollups.
"use strict";

(() => {
  const params = new URLSearchParams(location.search);
  const refreshSeconds = params.has("refresh") ? Math.max(0, Number(params.get("refresh")) || 0) : 10;
  const FILTERS = ["org", "service", "model", "key"];
  const COLORS = ["#2f6fde", "#e8743b", "#19a979", "#945ecf", "#ed4a7b", "#13a4b4", "#c9a400", "#6c8893", "#a0522d", "#4b0082"];
  const RATE_LIMIT_LINES = [0.8, 0.95];

  // metric, group_by and how to show values; the rate-limit panel is built per org (see below).
  const PANELS = [
    { id: "requests", title: "Requests per minute by model", metric: "requests", groupBy: "model", format: formatCount },
    { id: "tokens", title: "Tokens per minute by model", metric: "tokens", groupBy: "model", format: formatCount },
    { id: "cost", title: "Cost per minute by model", metric: "cost_micros", groupBy: "model", format: formatMicros },
    { id: "error-rate-model", title: "Error rate by model", metric: "error_rate", groupBy: "model", format: formatPercent },
    { id: "error-rate-service", title: "Error rate by service", metric: "error_rate", groupBy: "service", format: formatPercent },
    { id: "latency-model", title: "p95 latency by model", metric: "latency_p95_ms", groupBy: "model", format: formatMillis },
    { id: "latency-service", title: "p95 latency by service", metric: "latency_p95_ms", groupBy: "service", format: formatMillis },
    { id: "rate-limit", title: "Rate-limit utilization by org and model (80% and 95% lines)", metric: "rate_limit_utilization",
      groupBy: "model", perOrg: true, format: formatPercent, lines: RATE_LIMIT_LINES },
  ];

  const charts = new Map();
  const keyHints = new Map();
  let knownOrgs = [];
  let timer = null;
  let refreshing = false;
  let again = false;

  // ---- formatting ---------------------------------------------------------------------------

  function groupThousands(digits) {
    return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function formatCount(n) {
    if (n === null || n === undefined) return "–";
    return Number.isInteger(n) ? groupThousands(String(n)) : n.toFixed(2);
  }

  /** Integer micro-dollars as dollars with 2 to 6 decimals, exactly: "$0.012345", "$1,204.50". */
  function formatMicros(micros) {
    if (micros === null || micros === undefined) return "unpriced";
    const m = BigInt(Math.round(micros));
    const negative = m < 0n;
    const abs = negative ? -m : m;
    const dollars = abs / 1000000n;
    let frac = (abs % 1000000n).toString().padStart(6, "0").replace(/0+$/, "");
    frac = frac.padEnd(2, "0");
    return (negative ? "-$" : "$") + groupThousands(dollars.toString()) + "." + frac;
  }

  function formatPercent(ratio) {
    if (ratio === null || ratio === undefined) return "–";
    return (ratio * 100).toFixed(ratio < 0.1 && ratio > 0 ? 2 : 1) + "%";
  }

  function formatMillis(ms) {
    if (ms === null || ms === undefined) return "–";
    return ms >= 1000 ? (ms / 1000).toFixed(2) + " s" : Math.round(ms) + " ms";
  }

  function formatTime(epochMillis) {
    return new Date(epochMillis).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  // ---- API ----------------------------------------------------------------------------------

  class ApiError extends Error {}

  function query(extra) {
    const q = new URLSearchParams({ last: document.getElementById("filter-last").value });
    for (const f of FILTERS) {
      const v = document.getElementById("filter-" + f).value;
      if (v) q.set(f, v);
    }
    for (const [k, v] of Object.entries(extra)) {
      if (v !== undefined && v !== null) q.set(k, v);
    }
    return q;
  }

  async function api(path, q) {
    const url = path + "?" + q.toString();
    let response;
    try {
      // With http.auth.token the browser asked for the password when it opened the page; same-origin
      // credentials make it send that Basic login with every API request too.
      response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    } catch (e) {
      throw new ApiError(`${url}: ${e.message}`);
    }
    const text = await response.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch (e) {
      // Not JSON: the text itself goes into the message.
    }
    if (!response.ok) {
      const detail = body && body.error ? body.error + (body.parameter ? ` (parameter ${body.parameter})` : "") : text.slice(0, 200);
      throw new ApiError(`${url}: HTTP ${response.status}: ${detail}`);
    }
    if (body === null) throw new ApiError(`${url}: response is not JSON`);
    return body;
  }

  // ---- filters ------------------------------------------------------------------------------

  /** Options come from the data of the range, unfiltered, so that every choice can be undone. */
  async function loadFilterOptions() {
    const last = document.getElementById("filter-last").value;
    const results = await Promise.all(FILTERS.map((group) =>
      api("/api/v1/top", new URLSearchParams({ last, by: "requests", group, n: "1000" }))));
    FILTERS.forEach((group, i) => {
      const rows = results[i].rows;
      if (group === "key") rows.forEach((r) => keyHints.set(r.group, r.hint || r.group));
      if (group === "org") knownOrgs = rows.map((r) => r.group).sort();
      const select = document.getElementById("filter-" + group);
      const current = select.value;
      const values = rows.map((r) => r.group).sort();
      if (current && !values.includes(current)) values.push(current);
      select.replaceChildren(new Option("all", ""), ...values.map((v) => new Option(group === "key" ? keyHints.get(v) || v : v, v)));
      select.value = current;
    });
  }

  // ---- totals, tables -----------------------------------------------------------------------

  async function loadTotals() {
    // Grouped by model: every rollup belongs to exactly one model, so the rows add up to the range.
    const top = await api("/api/v1/top", query({ by: "requests", group: "model", n: "1000" }));
    let requests = 0, errors = 0, tokens = 0, cost = 0, priced = false, unpriced = 0;
    for (const r of top.rows) {
      requests += r.requests;
      errors += r.errors;
      tokens += r.tokens;
      unpriced += r.unpriced_requests || 0;
      if (r.cost_micros !== null && r.cost_micros !== undefined) {
        cost += r.cost_micros;
        priced = true;
      }
    }
    setText("total-requests", formatCount(requests));
    setText("total-tokens", formatCount(tokens));
    setText("total-cost", priced ? formatMicros(cost) : "unpriced");
    setText("total-unpriced", unpriced > 0 ? `+ ${formatCount(unpriced)} unpriced requests` : "");
    setText("total-error-rate", requests > 0 ? formatPercent(errors / requests) : "–");
  }

  async function loadTopKeys() {
    const top = await api("/api/v1/top", query({ by: "cost", group: "key", n: "10" }));
    const body = document.querySelector("#top-keys tbody");
    body.replaceChildren(...top.rows.map((r) => row([
      [r.hint || keyHints.get(r.group) || r.group, { key: r.group }],
      [formatCount(r.requests), { num: true }],
      [formatCount(r.errors), { num: true }],
      [formatCount(r.tokens), { num: true }],
      [formatMicros(r.cost_micros) + (r.unpriced_requests > 0 && r.cost_micros !== null ? ` (+${r.unpriced_requests} unpriced)` : ""), { num: true }],
    ])));
    if (top.rows.length === 0) body.replaceChildren(emptyRow(5, "no traffic in the range"));
  }

  async function loadAlerts() {
    const data = await api("/api/v1/alerts", new URLSearchParams());
    const org = document.getElementById("filter-org").value;
    const model = document.getElementById("filter-model").value;
    const service = document.getElementById("filter-service").value;
    // The alerts endpoint takes no filters; an alert is shown unless its scope names another value.
    const shown = data.alerts.filter((a) => {
      const s = a.scope || {};
      return (!org || !s.org_id || s.org_id === org) && (!model || !s.model || s.model === model)
        && (!service || !s.service || s.service === service);
    });
    const body = document.querySelector("#alerts tbody");
    body.replaceChildren(...shown.map((a) => {
      // Rate-limit and error-rate alerts compare fractions; the others (unpriced model, key not
      // allowed) compare counts.
      const isRatio = /^(rate_limit_|error_rate)/.test(a.alert_type);
      const tr = row([
        [formatTime(a.since), {}],
        [a.severity, {}],
        [a.alert_type, {}],
        [Object.entries(a.scope || {}).map(([k, v]) => `${k}=${v}`).join(" "), {}],
        [isRatio ? formatPercent(a.observed_value) : formatCount(a.observed_value), { num: true }],
        [isRatio ? formatPercent(a.threshold) : formatCount(a.threshold), { num: true }],
        [a.summary || "", {}],
      ]);
      tr.className = "sev-" + a.severity;
      tr.dataset.dedupKey = a.dedup_key;
      return tr;
    }));
    if (shown.length === 0) body.replaceChildren(emptyRow(7, "no open alerts"));
  }

  function row(cells) {
    const tr = document.createElement("tr");
    for (const [text, opts] of cells) {
      const td = document.createElement("td");
      td.textContent = text;
      if (opts.num) td.className = "num";
      if (opts.key) td.title = opts.key;
      tr.append(td);
    }
    return tr;
  }

  function emptyRow(span, text) {
    const tr = document.createElement("tr");
    tr.className = "empty";
    const td = document.createElement("td");
    td.colSpan = span;
    td.textContent = text;
    tr.append(td);
    return tr;
  }

  function setText(id, text) {
    document.getElementById(id).textContent = text;
  }

  // ---- charts -------------------------------------------------------------------------------

  function buildPanels() {
    const container = document.getElementById("panels");
    for (const p of PANELS) {
      const section = document.createElement("section");
      section.className = "panel";
      section.id = "panel-" + p.id;
      section.dataset.panel = p.id;
      section.dataset.rendered = "false";
      const h = document.createElement("h2");
      h.textContent = p.title;
      const chart = document.createElement("div");
      chart.className = "chart";
      section.append(h, chart);
      container.append(section);
    }
  }

  async function loadSeries(p) {
    if (!p.perOrg) {
      return api("/api/v1/series", query({ metric: p.metric, group_by: p.groupBy }));
    }
    // The API groups by one field; org × model is one call per org, grouped by model.
    const selected = document.getElementById("filter-org").value;
    const orgs = selected ? [selected] : knownOrgs;
    const answers = await Promise.all(orgs.map((org) =>
      api("/api/v1/series", query({ metric: p.metric, group_by: p.groupBy, org }))));
    const range = answers[0] || (await api("/api/v1/series", query({ metric: p.metric, group_by: p.groupBy })));
    return { from: range.from, to: range.to,
      series: answers.flatMap((a, i) => a.series.map((s) => ({ group: `${orgs[i]} · ${s.group}`, points: s.points }))) };
  }

  /** uPlot wants one x array and one y array per series, with nulls where a series has no minute. */
  function align(series, toValue, extraXs) {
    const xs = [...new Set(series.flatMap((s) => s.points.map((pt) => pt[0])).concat(extraXs))].sort((a, b) => a - b);
    const index = new Map(xs.map((x, i) => [x, i]));
    const ys = series.map((s) => {
      const y = new Array(xs.length).fill(null);
      for (const [x, v] of s.points) y[index.get(x)] = v === null ? null : toValue(v);
      return y;
    });
    return [xs.map((x) => x / 1000), ...ys];
  }

  function draw(p, answer) {
    const series = answer.series;
    const section = document.getElementById("panel-" + p.id);
    const target = section.querySelector(".chart");
    const old = charts.get(p.id);
    if (old) old.destroy();
    charts.delete(p.id);
    target.replaceChildren();
    const points = series.reduce((n, s) => n + s.points.length, 0);
    section.dataset.series = String(series.length);
    section.dataset.points = String(points);
    if (series.length === 0) {
      const empty = document.createElement("div");
      empty.className = "empty";
      empty.textContent = "no data in the range";
      target.append(empty);
      section.dataset.rendered = "true";
      return;
    }
    // Cost is drawn in dollars; the exact micro-dollars stay in the legend's text.
    const isCost = p.metric === "cost_micros";
    // Threshold lines run across the whole range, not only across the minutes that have data.
    const data = align(series, (v) => (isCost ? v / 1e6 : v), p.lines ? [answer.from, answer.to] : []);
    const shown = (v) => (v === null || v === undefined ? "–" : isCost ? formatMicros(Math.round(v * 1e6)) : p.format(v));
    const uSeries = [{}].concat(series.map((s, i) => ({
      label: s.group, stroke: COLORS[i % COLORS.length], width: 1.5, points: { size: 6 }, value: (u, v) => shown(v),
    })));
    for (const line of p.lines || []) {
      data.push(data[0].map(() => line));
      uSeries.push({ label: formatPercent(line), stroke: line >= 0.95 ? "#b42318" : "#c9a400", dash: [6, 4], width: 1,
        points: { show: false }, value: () => formatPercent(line) });
    }
    const opts = {
      width: Math.max(300, target.clientWidth),
      height: 220,
      series: uSeries,
      // The x axis spans the queried range, so that a single minute is a point in time, not the
      // whole axis.
      scales: Object.assign({ x: { time: true, range: () => [answer.from / 1000, answer.to / 1000] } },
        p.lines ? { y: { range: (u, min, max) => [0, Math.max(1, max)] } } : {}),
      axes: [{}, { size: isCost ? 80 : 64, values: (u, splits) => splits.map((v) => (isCost ? formatDollarsAxis(v) : p.format(v))) }],
    };
    charts.set(p.id, new uPlot(opts, data, target));
    section.dataset.rendered = "true";
  }

  function formatDollarsAxis(v) {
    return "$" + (Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2));
  }

  // ---- refresh ------------------------------------------------------------------------------

  /** One refresh at a time: a filter change during one runs another right after it. */
  async function refresh() {
    clearTimeout(timer);
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    try {
      await refreshOnce();
    } finally {
      refreshing = false;
    }
    if (again) {
      again = false;
      refresh();
    } else if (refreshSeconds > 0) {
      timer = setTimeout(refresh, refreshSeconds * 1000);
    }
  }

  async function refreshOnce() {
    const failures = [];
    const attempt = async (what, fn) => {
      try {
        await fn();
      } catch (e) {
        failures.push(`${what}: ${e.message}`);
      }
    };
    await attempt("filters", loadFilterOptions);
    await Promise.all([
      attempt("totals", loadTotals),
      attempt("top keys", loadTopKeys),
      attempt("alerts", loadAlerts),
      ...PANELS.map((p) => attempt(p.title, async () => draw(p, await loadSeries(p)))),
    ]);
    const error = document.getElementById("error");
    error.textContent = failures.join("\n");
    error.hidden = failures.length === 0;
    document.body.dataset.errors = String(failures.length);
    const now = Date.now();
    const updated = document.getElementById("last-updated");
    updated.textContent = formatTime(now);
    updated.dateTime = new Date(now).toISOString();
    document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes || 0) + 1);
  }

  /** ?last=15m&org=... start the page with that range and those filters, so a view can be linked. */
  function applyUrlFilters() {
    for (const f of ["last", ...FILTERS]) {
      const v = params.get(f);
      if (!v) continue;
      const select = document.getElementById("filter-" + f);
      if (![...select.options].some((o) => o.value === v)) select.append(new Option(v, v));
      select.value = v;
    }
  }

  function init() {
    buildPanels();
    applyUrlFilters();
    setText("refresh-seconds", refreshSeconds > 0 ? `every ${refreshSeconds} s` : "auto-refresh off (refresh=0)");
    for (const f of ["last", ...FILTERS]) document.getElementById("filter-" + f).addEventListener("change", refresh);
    let resizeTimer = null;
    addEventListener("resize", () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => {
        for (const [id, chart] of charts) {
          const target = document.querySelector(`#panel-${id} .chart`);
          chart.setSize({ width: Math.max(300, target.clientWidth), height: 220 });
        }
      }, 200);
    });
    refresh();
  }

  init();
})();
