// Loads the dashboard in Debian's Chromium, headless, through playwright-core; waits until every
// chart panel has rendered and the totals are filled; prints what the page shows as one JSON line
// on stdout. DashboardIT compares those numbers with the trace it sent.
//
// usage: node dashboard.spec.mjs <dashboard-url> [screenshot.png] [timeout-ms] [refreshes]
// With refreshes (default 1), it reads the page once that many refreshes have finished. With
// TOKENMETER_DASHBOARD_PASSWORD in the environment, the browser answers the app's Basic login
// prompt (http.auth.token) with it, as a person would.
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [url, screenshot, timeoutArg, refreshesArg] = process.argv.slice(2);
if (!url) {
  console.error("usage: node dashboard.spec.mjs <dashboard-url> [screenshot.png] [timeout-ms] [refreshes]");
  process.exit(2);
}
const timeout = Number(timeoutArg || 60000);
const refreshes = Number(refreshesArg || 1);
const userDataDir = mkdtempSync(join(tmpdir(), "tokenmeter-chromium-"));

const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1400, height: 1000 },
  httpCredentials: process.env.TOKENMETER_DASHBOARD_PASSWORD
    ? { username: "tokenmeter", password: process.env.TOKENMETER_DASHBOARD_PASSWORD }
    : undefined,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
try {
  const page = context.pages()[0] || (await context.newPage());
  const consoleErrors = [];
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));

  await page.goto(url, { timeout });
  // The refreshes done (body[data-refreshes]) and every panel drawn.
  await page.waitForFunction((n) => Number(document.body.dataset.refreshes || 0) >= n
      && [...document.querySelectorAll("[data-panel]")].every((p) => p.dataset.rendered === "true"), refreshes, { timeout });

  const result = await page.evaluate(() => {
    const text = (id) => document.getElementById(id).textContent.trim();
    const table = (id) => [...document.querySelectorAll(`#${id} tbody tr:not(.empty)`)]
      .map((tr) => [...tr.cells].map((td) => td.textContent.trim()));
    return {
      refreshes: Number(document.body.dataset.refreshes),
      errors: document.getElementById("error").hidden ? "" : text("error"),
      lastUpdated: text("last-updated"),
      totals: {
        requests: text("total-requests"),
        tokens: text("total-tokens"),
        cost: text("total-cost"),
        unpriced: text("total-unpriced"),
        errorRate: text("total-error-rate"),
      },
      panels: Object.fromEntries([...document.querySelectorAll("[data-panel]")].map((p) => [p.dataset.panel, {
        rendered: p.dataset.rendered === "true",
        series: Number(p.dataset.series),
        points: Number(p.dataset.points),
        canvases: p.querySelectorAll("canvas").length,
      }])),
      topKeys: table("top-keys"),
      alerts: table("alerts"),
      filters: Object.fromEntries(["org", "service", "model", "key"].map((f) =>
        [f, [...document.getElementById("filter-" + f).options].map((o) => o.value).filter((v) => v)])),
    };
  });
  result.consoleErrors = consoleErrors;
  if (screenshot) {
    await page.screenshot({ path: screenshot, fullPage: true });
  }
  process.stdout.write(JSON.stringify(result) + "\n");
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
