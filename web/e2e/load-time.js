// load-time.js measures, in headless Chromium against a running `treem serve`,
// what a leader waits for, as a user of `treem user add` (or `make demo`):
//   1. sign-in → scorecard drawn: from sending the form (argon2id included) to
//      the landing scorecard of every indicator on screen;
//   2. sign-in → every panel drawn (scorecard, units, map, districts, trend,
//      child-friendly communes);
//   3. view switch: choosing an indicator on the scorecard → its comparison by
//      units and its map redrawn.
//
//   BASE_URL=http://127.0.0.1:8080 TREEM_USER=demo.lanhdao TREEM_PASSWORD=… \
//     node web/e2e/load-time.js [loads=10]
//
// Each load starts without cookies (no session, cold page). scripts/bench-dashboard.sh
// runs it at province scale.
import { chromium } from "playwright-core";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";

const base = process.env.BASE_URL, user = process.env.TREEM_USER, password = process.env.TREEM_PASSWORD;
if (!base || !user || !password || process.argv[2] === "--help") {
  console.error("usage: BASE_URL=… TREEM_USER=… TREEM_PASSWORD=… node web/e2e/load-time.js [loads]");
  process.exit(2);
}
const loads = Number(process.argv[2] || 10);

const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "treem-load-chromium-")), {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run"],
  viewport: { width: 1366, height: 900 },
});
// ready waits for a panel drawn for a key starting with prefix (any key if none).
const ready = (page, panel, prefix = "") =>
  page.waitForSelector(`#${panel}[data-state="ready"]${prefix ? `[data-key^="${prefix}|"]` : ""}`, { timeout: 60000 });
const PANELS = ["scorecard", "units", "map", "compare", "trend", "cf"];

const scorecard = [], all = [], switched = [];
try {
  for (let i = 0; i < loads; i++) {
    await context.clearCookies();
    const page = await context.newPage();
    await page.goto(`${base}/dashboard/`);
    await page.waitForSelector("#login:not([hidden])");
    await page.fill("#username", user);
    await page.fill("#password", password);
    const t0 = performance.now();
    await page.click("#login-form button[type=submit]");
    await ready(page, "scorecard");
    await page.waitForSelector("#scorecard-table tbody tr");
    scorecard.push(performance.now() - t0);
    await Promise.all(PANELS.map((p) => ready(page, p)));
    all.push(performance.now() - t0);
    // Another indicator than the one shown, taken from the scorecard's rows.
    const current = await page.$eval("#indicator", (s) => s.value);
    const rows = await page.$$eval("#scorecard-table tbody tr", (trs) => trs.map((tr) => tr.dataset.indicator));
    const next = rows.filter((id) => id !== current)[i % (rows.length - 1)];
    const t1 = performance.now();
    await page.click(`#scorecard-table tr[data-indicator="${next}"] button.open`);
    await ready(page, "units", next);
    await page.waitForSelector(`#map[data-state="ready"][data-key^="${next}|"]`, { timeout: 60000 });
    switched.push(performance.now() - t1);
    await page.close();
  }
} finally {
  await context.close();
}

const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const ms = (x) => `${Math.round(x)} ms`;
const line = (what, xs) => console.log(`${what}: p50 ${ms(q(xs, 0.5))}, max ${ms(Math.max(...xs))} (${xs.length} loads)`);
line("sign-in → scorecard drawn", scorecard);
line("sign-in → every panel drawn", all);
line("view switch (scorecard indicator → units and map redrawn)", switched);
