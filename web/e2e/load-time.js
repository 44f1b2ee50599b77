// load-time.js measures, in headless Chromium against a running `treem serve`,
// what a leader waits for, as a user of `treem user add` (or `make demo`):
//   1. sign-in → scorecard drawn: from sending the form (argon2id included) to
//      the landing scorecard of every indicator on screen;
//   2. sign-in → every panel drawn (scorecard, units, map, districts, trend,
//      child-friendly communes);
//   3. view switch: choosing an indicator on the scorecard → its comparison by
//      units and its map redrawn.
// Times are taken in the page, as its reader lives them: from the form's
// submit event (or the click) to the first frame painted after the panel's
// data-state turned "ready"; the browser driver's own round trips are not
// counted.
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
const PANELS = ["scorecard", "units", "map", "compare", "trend", "cf"];

const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "treem-load-chromium-")), {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run"],
  viewport: { width: 1366, height: 900 },
});
// In the page: the time of the last submit or click, and of the first frame
// painted after each panel became ready (for its data-key).
await context.addInitScript(() => {
  const t = (window.__times = { start: 0, ready: {} });
  for (const kind of ["submit", "click"]) document.addEventListener(kind, () => { t.start = performance.now(); }, true);
  new MutationObserver((ms) => {
    for (const m of ms) {
      const el = m.target;
      if (el.dataset.state !== "ready") continue;
      const key = `${el.id}|${el.dataset.key}`;
      requestAnimationFrame(() => requestAnimationFrame(() => { t.ready[key] = performance.now(); }));
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-state"] });
});
// drawn waits until panel has been painted ready with a key starting with
// prefix (any key when empty) and returns the time since the submit or click.
async function drawn(page, panel, prefix = "") {
  const handle = await page.waitForFunction(([panel, prefix]) => {
    const t = window.__times;
    const hit = Object.entries(t.ready).find(([k]) => k.startsWith(`${panel}|${prefix}`));
    return hit && hit[1] - t.start;
  }, [panel, prefix], { timeout: 60000, polling: 50 });
  return handle.jsonValue();
}

const scorecard = [], all = [], switched = [];
try {
  for (let i = 0; i < loads; i++) {
    await context.clearCookies();
    const page = await context.newPage();
    await page.goto(`${base}/dashboard/`);
    await page.waitForSelector("#login:not([hidden])");
    await page.fill("#username", user);
    await page.fill("#password", password);
    await page.click("#login-form button[type=submit]");
    scorecard.push(await drawn(page, "scorecard"));
    all.push(Math.max(...(await Promise.all(PANELS.map((p) => drawn(page, p))))));
    // Another indicator than the one shown, taken from the scorecard's rows.
    const current = await page.$eval("#indicator", (s) => s.value);
    const rows = await page.$$eval("#scorecard-table tbody tr", (trs) => trs.map((tr) => tr.dataset.indicator));
    const next = rows.filter((id) => id !== current)[i % (rows.length - 1)];
    await page.click(`#scorecard-table tr[data-indicator="${next}"] button.open`);
    switched.push(Math.max(await drawn(page, "units", `${next}|`), await drawn(page, "map", `${next}|`)));
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
