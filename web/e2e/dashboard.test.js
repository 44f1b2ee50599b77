// End-to-end test of the dashboard in headless Chromium against a running
// `treem serve` (started by scripts/test-browser.sh). Every number the page draws
// is checked against the API's own answer to the same question, asked by this
// test with a bearer token of the same role and area as the user the page signs
// in as (both made by the script); a mismatch fails the run.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const base = need("BASE_URL");
const token = need("TREEM_TOKEN");
const user = need("TREEM_USER");
const password = need("TREEM_PASSWORD");
const shots = process.env.SCREENSHOT_DIR || new URL("../../docs/screenshots/", import.meta.url).pathname;
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run scripts/test-browser.sh`);
  return v;
}

// --- the API, asked directly ---------------------------------------------------

async function gql(query, variables = {}) {
  const res = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors?.length) throw new Error(`API error: ${JSON.stringify(body.errors)}`);
  return body.data;
}

const ASOF = "asOf { runId finishedAt watermark }";
const api = {
  indicators: async () => (await gql(`{ indicators { id nameVi nameEn factor direction version suppressionThreshold } }`)).indicators,
  compare: async (indicator, period) => (await gql(`query($i: ID!, $p: String!) { compareDistricts(indicator: $i, period: $p) {
      period province { value status target } districts { orgUnit { code name } value numerator denominator rank status target gap change } ${ASOF} } }`,
    { i: indicator, p: period })).compareDistricts,
  trend: async (v) => (await gql(`query($i: ID!, $u: String!, $f: String!, $t: String!, $k: PeriodType!) {
      trend(indicator: $i, orgUnit: $u, from: $f, to: $t, periodType: $k) { points { period value numerator denominator status target } ${ASOF} } }`,
    { i: v.indicator, u: v.orgUnit, f: v.from, t: v.to, k: v.periodType })).trend,
  cf: async (year, district) => (await gql(`query($y: Int!, $d: String) { childFriendlyCommunes(year: $y, district: $d) {
      communes { commune { code name } criteria { number name value band score scoreMin scoreMax maxScore provisional } totalScore totalScoreMin totalScoreMax threshold recognised failedCriteria }
      districts { orgUnit { code name } communes recognised undetermined } province { orgUnit { code name } communes recognised undetermined }
      ${ASOF} } }`, { y: year, d: district })).childFriendlyCommunes,
};

// --- reading the page ----------------------------------------------------------

// parseShown reads a number as the page printed it in either language
// ("1.234,5 %" in Vietnamese, "1,234.5 %" in English).
function parseShown(text, lang) {
  let s = text.replace(/[%‰*]|\/100[.,]000/g, "").replace(/\s/g, "").replace("−", "-");
  s = lang === "vi" ? s.replace(/\./g, "").replace(",", ".") : s.replace(/,/g, "");
  const x = Number(s);
  assert.ok(Number.isFinite(x), `"${text}" is not a number`);
  return x;
}

const SUPPRESSED_COUNT = /^<(5|10)$/;
const SUPPRESSED_RATE = { vi: "ẩn", en: "suppressed" };

// assertValue checks a drawn indicator value: a suppressed rate reads as
// suppressed, a suppressed count as <5 or <10, a missing value as a dash, and
// anything else as the API's number to the precision shown.
function assertValue(text, d, factor, lang, what) {
  text = text.replace(/\s*\*$/, "").trim();
  if (d.status === "SUPPRESSED") {
    if (factor > 1) assert.equal(text, SUPPRESSED_RATE[lang], `${what}: a suppressed rate must read "${SUPPRESSED_RATE[lang]}"`);
    else assert.match(text, SUPPRESSED_COUNT, `${what}: a suppressed count must read <5 or <10`);
    return;
  }
  if (d.value === null || d.value === undefined) {
    assert.equal(text, "—", `${what}: no value`);
    return;
  }
  const got = parseShown(text, lang);
  assert.ok(Math.abs(got - d.value) <= (factor > 1 ? 0.05 + 1e-9 : 0), `${what}: page shows ${text}, API says ${d.value}`);
}

// assertCount checks a drawn numerator or denominator.
function assertCount(text, v, suppressed, lang, what) {
  if (v === null || v === undefined) {
    if (suppressed) assert.match(text, SUPPRESSED_COUNT, `${what}: a suppressed count must read <5 or <10`);
    else assert.equal(text, "—", `${what}: no count`);
    return;
  }
  assert.equal(parseShown(text, lang), v, `${what}: page shows ${text}, API says ${v}`);
}

function byRank(a, b) {
  if (a.rank == null && b.rank == null) return 0;
  if (a.rank == null) return 1;
  if (b.rank == null) return -1;
  return a.rank - b.rank;
}

let context, page;
const pageErrors = [];
const seen = { SUPPRESSED: 0, UNSTABLE: 0, OK: 0, failed: 0, provisional: 0, undetermined: 0 }; // cases the run exercised

// dropRefusals forgets the console lines Chromium itself writes for a refused
// request (HTTP 401, 403): those refusals are what the sign-in tests provoke.
function dropRefusals() {
  const kept = pageErrors.filter((e) => !/status of 40[13]/.test(e));
  pageErrors.length = 0;
  pageErrors.push(...kept);
}

async function waitReady(panel, key) {
  await page.waitForSelector(`#${panel}[data-state="ready"][data-key="${key}"]`, { timeout: 20000 }).catch(async (e) => {
    const st = await page.$eval(`#${panel}`, (n) => ({ state: n.dataset.state, key: n.dataset.key, error: n.querySelector(".error")?.textContent }));
    throw new Error(`${panel} never became ready for ${key}: ${JSON.stringify(st)} (${e.message})`);
  });
}

async function lang() {
  return page.$eval("html", (n) => n.lang);
}

async function checkCompare(indicator, period) {
  await waitReady("compare", `${indicator.id}|${period}`);
  const want = await api.compare(indicator.id, period);
  const L = await lang();
  assert.ok(want.districts.length > 0, "the API compared no district");
  const rows = await page.$$eval("#compare-table tbody tr", (trs) => trs.map((tr) => ({
    code: tr.dataset.code, value: tr.dataset.value, status: tr.dataset.status,
    rank: tr.querySelector(".rank").textContent, valueText: tr.querySelector(".value").textContent,
    num: tr.querySelector(".numerator").textContent, den: tr.querySelector(".denominator").textContent,
  })));
  const ranked = [...want.districts].sort(byRank);
  assert.equal(rows.length, ranked.length, "one table row per district");
  // Ranked districts in rank order; unranked (suppressed) ones after them, in any order.
  ranked.forEach((d, i) => {
    if (d.rank != null) assert.equal(rows[i].code, d.orgUnit.code, `row ${i + 1} should be ${d.orgUnit.name} (rank ${d.rank})`);
  });
  assert.deepEqual(new Set(rows.map((r) => r.code)), new Set(ranked.map((d) => d.orgUnit.code)));
  for (const d of want.districts) {
    seen[d.status]++;
    const r = rows.find((x) => x.code === d.orgUnit.code);
    const what = `${indicator.id} ${period} ${d.orgUnit.name}`;
    assert.equal(r.status, d.status, `${what}: status`);
    assert.equal(r.value, d.value == null ? "" : String(d.value), `${what}: value attribute`);
    assertValue(r.valueText, d, indicator.factor, L, `${what} value`);
    assertCount(r.num, d.numerator, d.status === "SUPPRESSED", L, `${what} numerator`);
    assertCount(r.den, d.denominator, false, L, `${what} denominator`);
    assert.equal(r.rank, d.rank == null ? "—" : String(d.rank), `${what}: rank`);
  }
  // The bars: same order and values as the table, lengths proportional to the values.
  const bars = await page.$$eval("#compare-chart g.bar", (gs) => gs.map((g) => ({
    code: g.dataset.code, value: g.dataset.value, status: g.dataset.status,
    width: Number(g.querySelector("rect.value").getAttribute("width")), label: g.querySelector("text.label").textContent,
    aria: g.getAttribute("aria-label"), tabindex: g.getAttribute("tabindex"),
  })));
  assert.deepEqual(bars.map((b) => b.code), rows.map((r) => r.code), "bars in the table's order");
  const drawn = bars.filter((b) => b.value !== "");
  const scale = Math.max(...drawn.map((b) => b.width / Number(b.value)).filter(Number.isFinite), 0);
  for (const b of bars) {
    const d = want.districts.find((x) => x.orgUnit.code === b.code);
    assert.equal(b.value, d.value == null ? "" : String(d.value), `bar ${b.code} value`);
    assert.equal(b.tabindex, "0", `bar ${b.code} is reachable with the keyboard`);
    assert.ok(b.aria && b.aria.includes(d.orgUnit.name), `bar ${b.code} has an accessible name`);
    assertValue(b.label, d, indicator.factor, L, `bar ${b.code} label`);
    if (b.value !== "" && d.value > 0) {
      assert.ok(Math.abs(b.width - Math.max(1, d.value * scale)) < 0.02, `bar ${b.code} length ${b.width} is not proportional to ${d.value}`);
    }
  }
  const province = await page.$eval("#compare-chart line.ref-province", (n) => n.dataset.value).catch(() => null);
  assert.equal(province, want.province?.value == null ? null : String(want.province.value), "province line");
  const target = want.province?.target ?? ranked.find((d) => d.target != null)?.target ?? null;
  const targetLine = await page.$eval("#compare-chart line.ref-target", (n) => n.dataset.value).catch(() => null);
  assert.equal(targetLine, target == null ? null : String(target), "national target line");
  await checkAsOf("compare", want.asOf);
  return want;
}

async function checkAsOf(panel, asOf) {
  const text = await page.$eval(`#${panel}-asof`, (n) => n.textContent);
  assert.ok(asOf && asOf.runId, `${panel}: the API gave no asOf`);
  assert.ok(text.includes(asOf.runId), `${panel}: "data as of" (${text}) does not name run ${asOf.runId}`);
}

async function checkTrend(indicator, vars) {
  await waitReady("trend", `${indicator.id}|${vars.orgUnit}|${vars.from}|${vars.to}|${vars.periodType}`);
  const want = await api.trend({ indicator: indicator.id, ...vars });
  const L = await lang();
  assert.ok(want.points.length > 0, "the API gave no trend point");
  const rows = await page.$$eval("#trend-table tbody tr", (trs) => trs.map((tr) => ({
    period: tr.dataset.period, value: tr.dataset.value, status: tr.dataset.status, valueText: tr.querySelector(".value").textContent,
  })));
  const points = await page.$$eval("#trend-chart g.point", (gs) => gs.map((g) => ({ period: g.dataset.period, value: g.dataset.value, cy: Number(g.querySelector("circle").getAttribute("cy")) })));
  assert.deepEqual(rows.map((r) => r.period), want.points.map((p) => p.period), "trend periods");
  assert.deepEqual(points.map((r) => r.period), want.points.map((p) => p.period), "trend points");
  const known = want.points.map((p, i) => ({ p, cy: points[i].cy })).filter(({ p }) => p.value != null && p.status !== "SUPPRESSED");
  // Heights: y falls linearly with the value, so any two points fix the line for the rest.
  if (known.length >= 2) {
    const [a, b] = [known.reduce((m, k) => (k.p.value < m.p.value ? k : m)), known.reduce((m, k) => (k.p.value > m.p.value ? k : m))];
    if (a.p.value !== b.p.value) {
      const slope = (b.cy - a.cy) / (b.p.value - a.p.value);
      for (const k of known) assert.ok(Math.abs(a.cy + slope * (k.p.value - a.p.value) - k.cy) < 0.02, `trend point ${k.p.period} is not at ${k.p.value}`);
    }
  }
  want.points.forEach((p, i) => {
    assert.equal(rows[i].status, p.status, `trend ${p.period} status`);
    assert.equal(rows[i].value, p.value == null ? "" : String(p.value), `trend ${p.period} value attribute`);
    assert.equal(points[i].value, p.value == null ? "" : String(p.value), `trend ${p.period} point`);
    assertValue(rows[i].valueText, p, indicator.factor, L, `trend ${p.period}`);
  });
  await checkAsOf("trend", want.asOf);
  return want;
}

async function checkCF(year, district) {
  await waitReady("cf", `${year}|${district ?? ""}`);
  const want = await api.cf(year, district);
  const L = await lang();
  assert.ok(want.communes.length > 0, "the API scored no commune");
  const rows = await page.$$eval("#cf-table tbody tr", (trs) => trs.map((tr) => ({
    code: tr.dataset.code, total: tr.querySelector(".total").textContent, threshold: tr.querySelector(".threshold").textContent,
    recognised: tr.dataset.recognised, result: tr.querySelector(".result").className,
    cells: [...tr.querySelectorAll("td.criterion")].map((c) => ({ n: Number(c.dataset.criterion), score: c.dataset.score, fail: c.classList.contains("fail"), prov: c.classList.contains("provisional"), text: c.textContent })),
  })));
  assert.deepEqual(rows.map((r) => r.code), want.communes.map((c) => c.commune.code), "communes in the API's order");
  want.communes.forEach((c, i) => {
    const r = rows[i], what = `${year} ${c.commune.name}`;
    if (c.totalScore == null) {
      seen.undetermined++;
      const [lo, hi] = r.total.split("–");
      assert.deepEqual([parseShown(lo, L), parseShown(hi, L)], [c.totalScoreMin, c.totalScoreMax], `${what}: total range`);
    } else {
      assert.equal(parseShown(r.total, L), c.totalScore, `${what}: total`);
    }
    assert.equal(parseShown(r.threshold, L), c.threshold, `${what}: threshold`);
    assert.equal(r.recognised, c.recognised == null ? "" : String(c.recognised), `${what}: recognised`);
    assert.ok(r.result.includes(c.recognised == null ? "undetermined" : c.recognised ? "recognised" : "not-recognised"), `${what}: result cell`);
    for (const k of c.criteria) {
      if (c.failedCriteria.includes(k.number)) seen.failed++;
      if (k.provisional) seen.provisional++;
      const cell = r.cells.find((x) => x.n === k.number);
      assert.ok(cell, `${what}: criterion ${k.number} missing`);
      assert.equal(cell.score, k.score == null ? "" : String(k.score), `${what}: criterion ${k.number} score`);
      if (k.score == null) assert.ok(cell.text.includes("–"), `${what}: criterion ${k.number} shows its range`);
      assert.equal(cell.fail, c.failedCriteria.includes(k.number), `${what}: criterion ${k.number} highlighted iff failed`);
      assert.equal(cell.prov, k.provisional, `${what}: criterion ${k.number} provisional mark`);
      assert.equal(cell.text.includes("†"), k.provisional, `${what}: criterion ${k.number} † mark`);
    }
  });
  const sum = district ? want.districts.find((d) => d.orgUnit.code === district) : want.province;
  const summary = await page.textContent("#cf-summary");
  assert.ok(summary.startsWith(`${sum.orgUnit.name}: `) && summary.includes(`${sum.recognised}`) && summary.includes(`${sum.communes}`),
    `summary "${summary}" does not say ${sum.recognised} of ${sum.communes} in ${sum.orgUnit.name}`);
  await checkAsOf("cf", want.asOf);
  return want;
}

// --- the run -------------------------------------------------------------------

before(async () => {
  mkdirSync(shots, { recursive: true });
  // A persistent context is how Playwright takes a fresh --user-data-dir of our own.
  context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "treem-e2e-chromium-")), {
    executablePath: chromiumPath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--no-first-run"],
    viewport: { width: 1366, height: 900 }, acceptDownloads: true, locale: "vi-VN", timezoneId: "Asia/Ho_Chi_Minh",
  });
  page = context.pages()[0] || await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error") pageErrors.push(m.text()); });
});

after(async () => {
  await context?.close();
});

let indicators, first, second;

const WRONG = { vi: "Sai tên đăng nhập hoặc mật khẩu.", en: "Wrong username or password." };

async function sessionCookie() {
  return (await context.cookies(base)).find((c) => c.name === "treem_session");
}

// signIn fills the form as a person would and sends it with the Enter key.
async function signIn(name, pw) {
  await page.fill("#username", name);
  await page.fill("#password", pw);
  await page.press("#password", "Enter");
}

test("sign-in: a wrong password and an unknown name get one announced message", async () => {
  await page.goto(`${base}/dashboard/`);
  assert.equal(await lang(), "vi", "Vietnamese by default");
  await page.waitForSelector("#login-form");
  assert.equal(await page.textContent('label[for="username"]'), "Tên đăng nhập");
  assert.equal(await page.textContent('label[for="password"]'), "Mật khẩu");
  assert.equal(await page.getAttribute("#password", "type"), "password");
  const answers = [];
  for (const [name, pw] of [[user, "not the password"], ["nobody-here", "not the password"]]) {
    await page.evaluate(() => { document.getElementById("login-error").textContent = ""; });
    await signIn(name, pw);
    await page.waitForSelector("#login-error:not(:empty)");
    answers.push(await page.textContent("#login-error"));
    assert.equal(await page.getAttribute("#login-error", "role"), "alert", "the error is announced");
    assert.equal(await page.getAttribute("#password", "aria-invalid"), "true");
    assert.equal(await page.inputValue("#password"), "", "a refused password is not kept in the field");
    assert.equal(await page.isVisible("#app"), false);
    assert.equal(await sessionCookie(), undefined, "a refused sign-in sets no cookie");
  }
  assert.deepEqual(answers, [WRONG.vi, WRONG.vi], "a wrong password and an unknown name read alike");
  dropRefusals();
});

test("sign-in: the right password opens the dashboard, the cookie is out of scripts' reach, a reload keeps the session", async (t) => {
  const t0 = Date.now();
  await signIn(user.toUpperCase(), password); // usernames ignore case
  await page.waitForSelector("#app:not([hidden])");
  assert.equal(await page.evaluate(() => document.activeElement.id), "indicator", "after sign-in the keyboard is on the indicator picker");
  for (const panel of ["compare", "trend", "cf"]) await page.waitForSelector(`#${panel}[data-state="ready"]`, { timeout: 20000 });
  t.diagnostic(`three panels drawn ${Date.now() - t0} ms after sign-in`);
  assert.match(await page.textContent("#who"), /^Người kiểm thử · .+ · địa bàn 75 · phiên hết hạn /, "the display name is shown");
  const c = await sessionCookie();
  assert.ok(c, "a session cookie is set");
  assert.equal(c.httpOnly, true, "HttpOnly");
  assert.equal(c.sameSite, "Strict", "SameSite=Strict");
  assert.equal(c.path, "/");
  assert.equal(await page.evaluate(() => document.cookie.includes("treem_session")), false, "scripts cannot read the cookie");
  const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }));
  assert.ok(!stored.includes(password) && !stored.includes(c.value), "neither the password nor the session is kept in web storage");
  // A POST with the cookie and without the CSRF token is refused.
  const forged = await page.evaluate(async () => {
    const r = await fetch("/graphql", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ query: "mutation Forged { __typename }" }) });
    return { status: r.status, code: (await r.json()).errors?.[0]?.extensions?.code };
  });
  assert.deepEqual(forged, { status: 403, code: "FORBIDDEN" }, "a mutation without the CSRF token is FORBIDDEN");
  dropRefusals();
  await page.reload();
  await page.waitForSelector("#app:not([hidden])");
  assert.equal(await page.isVisible("#login"), false, "a reload keeps the session");
  for (const panel of ["compare", "trend", "cf"]) await page.waitForSelector(`#${panel}[data-state="ready"]`, { timeout: 20000 });
});

test("pickers list the API's indicators", async () => {
  indicators = await api.indicators();
  const options = await page.$$eval("#indicator option", (os) => os.map((o) => ({ id: o.value, text: o.textContent })));
  assert.deepEqual(options, indicators.map((i) => ({ id: i.id, text: i.nameVi })));
  const pick = (want) => indicators.find((i) => i.id === want);
  first = pick("birth_registration_u5") || indicators[0];
  second = pick("injury_rate") || indicators.find((i) => i.factor !== first.factor) || indicators[1];
});

test("district comparison: the bars and the table equal the API, then after switching indicator and period", async () => {
  await page.selectOption("#indicator", first.id);
  await page.selectOption("#period-type", "YEAR");
  await page.selectOption("#period", "2025");
  await checkCompare(first, "2025");
  await page.locator("#compare").screenshot({ path: join(shots, "comparison.png") });

  await page.selectOption("#indicator", second.id);
  await page.selectOption("#period-type", "QUARTER");
  await page.selectOption("#period", "2024-Q3");
  await checkCompare(second, "2024-Q3");
  await page.locator("#compare").screenshot({ path: join(shots, "comparison-quarter.png") });

  // A plain count (no denominator; a withheld count reads <5) and a sensitive
  // rate (its withheld numerators read <10).
  for (const [id, k] of [["drowning_deaths", 5], ["abuse_rate", 10]]) {
    const ind = indicators.find((i) => i.id === id);
    assert.ok(ind, `the catalogue has no ${id}`);
    assert.equal(ind.suppressionThreshold, k, `${id} is held to k=${k}`);
    await page.selectOption("#indicator", id);
    await page.selectOption("#period-type", "YEAR");
    await page.selectOption("#period", "2025");
    const want = await checkCompare(ind, "2025");
    const texts = await page.$$eval("#compare-table td.numerator.suppressed", (tds) => tds.map((td) => td.textContent));
    assert.ok(texts.length > 0, `the fixture withholds some ${id} numerator in 2025`);
    assert.ok(texts.every((x) => x === `<${k}`), `withheld ${id} numerators read <${k}: ${texts}`);
    if (ind.factor === 1) assert.ok(want.districts.every((d) => d.denominator == null), `${id} is a count`);
  }
});

test("keyboard: the period picker changes with the arrow keys and the panels follow", async () => {
  await page.focus("#indicator");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "period-type");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "period");
  const before = await page.$eval("#period", (s) => s.value);
  await page.keyboard.press("ArrowDown");
  const after = await page.$eval("#period", (s) => s.value);
  assert.notEqual(after, before, "ArrowDown chose another period");
  const id = await page.$eval("#indicator", (s) => s.value);
  const shown = indicators.find((i) => i.id === id);
  await checkCompare(shown, after);
});

test("trend: the province and one district equal the API", async () => {
  await page.selectOption("#indicator", first.id);
  await page.selectOption("#period-type", "YEAR");
  await page.selectOption("#period", "2025");
  const province = await page.$eval("#trend-unit", (s) => s.options[0].value);
  await checkTrend(first, { orgUnit: province, from: "2019", to: "2025", periodType: "YEAR" });
  const district = await page.$eval("#trend-unit", (s) => s.options[1].value);
  await page.selectOption("#trend-unit", district);
  await page.selectOption("#period-type", "QUARTER");
  await page.selectOption("#period", "2025-Q4");
  await checkTrend(first, { orgUnit: district, from: "2023-Q1", to: "2025-Q4", periodType: "QUARTER" });
  await page.selectOption("#period-type", "HALF_YEAR");
  await page.selectOption("#period", "2025-H2");
  await checkTrend(first, { orgUnit: district, from: "2023-H1", to: "2025-H2", periodType: "HALF_YEAR" });
  await page.selectOption("#period-type", "QUARTER");
  await page.selectOption("#period", "2025-Q4");
  await checkTrend(first, { orgUnit: district, from: "2023-Q1", to: "2025-Q4", periodType: "QUARTER" });
  await page.locator("#trend").screenshot({ path: join(shots, "trend.png") });
});

test("child-friendly communes: scores, failing criteria and provisional marks equal the API", async () => {
  await page.selectOption("#cf-year", "2025");
  const district = await page.$eval("#cf-district", (s) => s.options[1].value);
  await page.selectOption("#cf-district", district);
  const want = await checkCF(2025, district);
  assert.ok(want.communes.some((c) => c.criteria.some((k) => k.provisional)), "the default scoring table has provisional rows to mark");
  await page.locator("#cf").screenshot({ path: join(shots, "child-friendly.png") });
  await page.selectOption("#cf-district", "");
  await checkCF(2025, null);
});

test("English switch: names, headings and numbers follow, data unchanged", async () => {
  await page.click("#lang");
  assert.equal(await lang(), "en");
  const options = await page.$$eval("#indicator option", (os) => os.map((o) => o.textContent));
  assert.deepEqual(options, indicators.map((i) => i.nameEn));
  assert.equal(await page.textContent("#compare-title"), "District comparison");
  assert.match(await page.textContent("#compare-asof"), /^Data as of/);
  await checkCompare(first, "2025-Q4");
  await page.click("#lang");
  assert.equal(await lang(), "vi");
  assert.match(await page.textContent("#compare-asof"), /^Dữ liệu tính đến/);
});

// download clicks a panel's button and returns the saved file and the export
// endpoint's own answer to the same question, asked directly with the token.
async function download(button, path) {
  const direct = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(direct.status, 200, `${path} answered ${direct.status}`);
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click(button)]);
  const file = join(mkdtempSync(join(tmpdir(), "treem-e2e-dl-")), dl.suggestedFilename());
  await dl.saveAs(file);
  return { saved: readFileSync(file), direct: Buffer.from(await direct.arrayBuffer()), name: dl.suggestedFilename() };
}

test("downloads: CSV and XLSX of what is on screen, through the export endpoints with the session", async () => {
  const q = (o) => new URLSearchParams(o).toString();
  const cmp = await download('#compare button.dl[data-format="csv"]', `/export/compare-districts.csv?${q({ indicator: first.id, period: "2025-Q4" })}`);
  assert.ok(cmp.saved.equals(cmp.direct), "the comparison CSV is byte for byte the export endpoint's answer");
  const text = cmp.saved.toString("utf8");
  for (const d of (await api.compare(first.id, "2025-Q4")).districts) assert.ok(text.includes(d.orgUnit.name), `CSV names ${d.orgUnit.name}`);

  const unit = await page.$eval("#trend-unit", (s) => s.value);
  const tr = await download('#trend button.dl[data-format="csv"]',
    `/export/indicator-values.csv?${q({ ids: first.id, orgUnits: unit, from: "2023-Q1", to: "2025-Q4", periodType: "QUARTER" })}`);
  assert.ok(tr.saved.equals(tr.direct), "the trend CSV is byte for byte the export endpoint's answer");
  assert.ok(tr.saved.toString("utf8").includes("2025-Q4"), "the trend CSV holds the periods on screen");

  const cf = await download('#cf button.dl[data-format="xlsx"]', `/export/child-friendly-communes.xlsx?${q({ year: "2025" })}`);
  assert.ok(cf.saved.length > 100 && cf.saved.subarray(0, 2).toString() === "PK", "the XLSX is a zip workbook");
  assert.match(cf.name, /\.xlsx$/);
  // A workbook carries its own timestamps, so compare sizes, not bytes.
  assert.ok(Math.abs(cf.saved.length - cf.direct.length) < 64, "the XLSX is the export endpoint's workbook");
});

test("accessibility: every control is labelled and every chart mark has a name", async () => {
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll("select, input, button")]
    .filter((n) => !n.closest("[hidden]"))
    .filter((n) => !(n.labels && n.labels.length) && !n.getAttribute("aria-label") && !n.textContent.trim())
    .map((n) => n.id || n.outerHTML.slice(0, 60)));
  assert.deepEqual(unlabelled, []);
  const charts = await page.$$eval(".chart svg", (ss) => ss.map((s) => s.getAttribute("aria-label")));
  assert.ok(charts.length >= 2 && charts.every(Boolean), "each chart is labelled");
  const marks = await page.$$eval(".chart [role=listitem]", (gs) => gs.filter((g) => !g.getAttribute("aria-label")).length);
  assert.equal(marks, 0);
  // The axe-core rules for WCAG 2 A and AA over the whole page as drawn (evaluated
  // through the debugging protocol, which the page's CSP does not govern).
  await page.evaluate(readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8"));
  const { violations, passed } = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return { passed: r.passes.length,
      violations: r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ")})`) };
  });
  assert.deepEqual(violations, [], "accessibility violations");
  assert.ok(passed >= 10, `axe checked only ${passed} rules`);
});

test("phone: the page fits a 390 px screen without sideways scrolling", async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
  await page.screenshot({ path: join(shots, "phone.png") });
  await page.setViewportSize({ width: 1366, height: 900 });
});

test("an ended session shows the sign-in form, and signing in again reopens the same view from the URL", async () => {
  const view = {};
  for (const id of ["indicator", "period-type", "period", "trend-unit", "cf-year", "cf-district"]) view[id] = await page.inputValue(`#${id}`);
  const q = new URL(page.url()).searchParams;
  assert.equal(q.get("i"), view.indicator, "the URL names the indicator");
  assert.equal(q.get("p"), view.period, "the URL names the period");
  // The server forgets the session (as after its idle timeout) while the page
  // still holds its cookie: it is ended from outside the page, with the cookie
  // and its CSRF token, so the page's next request is refused.
  const c = await sessionCookie();
  const cookie = { Cookie: `treem_session=${c.value}` };
  const { csrfToken } = await (await fetch(`${base}/auth/session`, { headers: cookie })).json();
  const ended = await fetch(`${base}/auth/logout`, { method: "POST", headers: { ...cookie, "X-CSRF-Token": csrfToken } });
  assert.equal(ended.status, 204);
  const year = String(Number(view["cf-year"]) - 1);
  await page.selectOption("#cf-year", year);
  await page.waitForSelector("#login:not([hidden])");
  assert.match(await page.textContent("#login-error"), /hết hạn/, "the page says the session ended");
  assert.equal(await page.isVisible("#app"), false);
  assert.equal(new URL(page.url()).searchParams.get("y"), year, "the URL keeps the view, the last choice included");
  dropRefusals();
  // A fresh page at that URL, signed in through the form, opens the same view.
  await page.goto(page.url());
  await page.waitForSelector("#login:not([hidden])");
  await signIn(user, password);
  await page.waitForSelector("#app:not([hidden])");
  for (const panel of ["compare", "trend", "cf"]) await page.waitForSelector(`#${panel}[data-state="ready"]`, { timeout: 20000 });
  const want = { ...view, "cf-year": year };
  for (const [id, v] of Object.entries(want)) assert.equal(await page.inputValue(`#${id}`), v, `#${id} reopens as ${v}`);
  dropRefusals();
});

test("sign-out ends the session on the server and returns to the form", async () => {
  const before = await sessionCookie();
  await page.click("#logout");
  await page.waitForSelector("#login:not([hidden])");
  assert.equal(await page.textContent("#login-error"), "Đã đăng xuất.");
  assert.equal(await sessionCookie(), undefined, "the cookie is cleared");
  assert.equal(await page.textContent("#who"), "", "nobody is shown as signed in");
  // The old cookie, replayed, names no session.
  const replay = await fetch(`${base}/auth/session`, { headers: { Cookie: `treem_session=${before.value}` } });
  assert.equal(replay.status, 401);
  assert.equal((await replay.json()).errors[0].extensions.code, "UNAUTHENTICATED");
  await page.reload();
  await page.waitForSelector("#login:not([hidden])");
  assert.equal(await page.isVisible("#app"), false, "after a reload the form is still shown");
  dropRefusals();
});

test("the run drew every kind of cell: reliable, unstable, suppressed, failed, provisional and undetermined", () => {
  for (const [kind, n] of Object.entries(seen)) assert.ok(n > 0, `no ${kind} cell was drawn: the fixture no longer exercises that case`);
});

test("GraphiQL at / draws from the server's own files, within its content policy", async () => {
  const gq = await context.newPage();
  const foreign = [], scriptErrors = [], refused = [];
  gq.on("request", (r) => { if (!r.url().startsWith(base) && !r.url().startsWith("data:")) foreign.push(r.url()); });
  gq.on("pageerror", (e) => scriptErrors.push(e.message));
  gq.on("console", (m) => { if (m.type() === "error" && /Content Security Policy|Refused to/.test(m.text())) refused.push(m.text()); });
  await gq.goto(`${base}/`);
  await gq.waitForSelector(".graphiql-container", { timeout: 20000 });
  assert.deepEqual(foreign, [], "GraphiQL fetched nothing from another origin (an offline network has none)");
  assert.deepEqual(scriptErrors, [], "GraphiQL drew without a script error");
  assert.deepEqual(refused, [], "the page's content policy refused nothing it needs");
  await gq.close();
});

test("no script error on the page", () => {
  assert.deepEqual(pageErrors, []);
});
