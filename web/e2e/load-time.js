// load-time.js measures, in headless Chromium, how long the dashboard takes to
// draw its three panels after signing in through its form (argon2id included),
// and to redraw comparison and trend after an indicator switch, against a
// running `treem serve`, as a user of `treem user add` (or `make demo`):
//
//   BASE_URL=http://127.0.0.1:8080 TREEM_USER=demo.lanhdao TREEM_PASSWORD=… \
//     node web/e2e/load-time.js [loads=10]
//
// Each load starts without cookies (no session, cold page).
import { chromium } from "playwright-core";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";

const base = process.env.BASE_URL, user = process.env.TREEM_USER, password = process.env.TREEM_PASSWORD;
if (!base || !user || !password) {
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
const ready = (page, panel, prefix = "") =>
  page.waitForSelector(`#${panel}[data-state="ready"]${prefix ? `[data-key^="${prefix}|"]` : ""}`, { timeout: 60000 });

const first = [], switched = [];
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
    await Promise.all(["compare", "trend", "cf"].map((p) => ready(page, p)));
    first.push(performance.now() - t0);
    const options = await page.$$eval("#indicator option", (os) => os.map((o) => o.value));
    const next = options[(i % (options.length - 1)) + 1];
    const t1 = performance.now();
    await page.selectOption("#indicator", next);
    await Promise.all(["compare", "trend"].map((p) => ready(page, p, next)));
    switched.push(performance.now() - t1);
    await page.close();
  }
} finally {
  await context.close();
}

const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const ms = (x) => `${Math.round(x)} ms`;
console.log(`sign-in → three panels drawn: p50 ${ms(q(first, 0.5))}, max ${ms(Math.max(...first))} (${loads} loads)`);
console.log(`indicator switch → comparison and trend redrawn: p50 ${ms(q(switched, 0.5))}, max ${ms(Math.max(...switched))}`);
