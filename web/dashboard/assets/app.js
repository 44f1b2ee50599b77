// The dashboard page: sign-in, pickers and three panels (district comparison, trend,
// child-friendly communes), each drawn from one GraphQL answer kept in memory so
// that switching the language redraws without asking the server again.
import { strings } from "./i18n.js";
import * as fmt from "./format.js";
import * as views from "./views.js";
import * as charts from "./charts.js";
import { query, download, signIn, signOut, currentSession, ApiError } from "./api.js";

const FIRST_YEAR = 2016;

const Q = {
  bulletins: `query DashboardBulletins { bulletins { id year quarter status htmlUrl pdfUrl } }`,
  start: `query DashboardStart {
    indicators { id nameVi nameEn factor direction version targets { year value provisional } suppressionThreshold }
    orgUnits(level: PROVINCE) { code name }
  }`,
  compare: `query DashboardCompare($indicator: ID!, $period: String!) {
    compareDistricts(indicator: $indicator, period: $period) {
      period provinceArea
      province { value numerator denominator status target }
      districts { orgUnit { code name } value numerator denominator rank status target gap change }
      asOf { runId finishedAt watermark }
      definitionVersion approximate
    }
  }`,
  trend: `query DashboardTrend($indicator: ID!, $orgUnit: String!, $from: String!, $to: String!, $periodType: PeriodType!) {
    trend(indicator: $indicator, orgUnit: $orgUnit, from: $from, to: $to, periodType: $periodType) {
      points { period value numerator denominator status target }
      asOf { runId finishedAt watermark }
      definitionVersion approximate
    }
  }`,
  cf: `query DashboardChildFriendly($year: Int!, $district: String) {
    childFriendlyCommunes(year: $year, district: $district) {
      communes {
        commune { code name }
        criteria { number name nameEn value band score scoreMin scoreMax maxScore provisional }
        totalScore totalScoreMin totalScoreMax threshold recognised status failedCriteria provisional notAssessed
      }
      districts { orgUnit { code name } communes recognised undetermined notAssessed share target2025 target2030 }
      province { orgUnit { code name } communes recognised undetermined notAssessed share target2025 target2030 }
      scoringVersion provisional
      asOf { runId finishedAt watermark }
      approximate
    }
  }`,
};

const $ = (id) => document.getElementById(id);
const now = new Date();
const state = {
  lang: localStorage.getItem("treem.lang") === "en" ? "en" : "vi",
  indicators: [],
  province: { code: "75", name: "Đồng Nai" },
  districts: [],
  answers: {},
  seq: {},
  session: null, // who is signed in (GET /auth/session)
  want: {}, // the view the URL asked for, until its choices exist
};
const t = () => strings[state.lang];

// --- helpers -------------------------------------------------------------------

function indicator() {
  return state.indicators.find((i) => i.id === $("indicator").value);
}

function indName(ind) {
  return ind ? (state.lang === "vi" ? ind.nameVi : ind.nameEn) : "";
}

// threshold is the suppression limit the API holds this indicator's counts to
// (10 for sensitive measures such as abuse, else 5); it only words the label.
function threshold(ind) {
  return ind?.suppressionThreshold ?? 5;
}

// valueText shows an indicator value. A suppressed rate reads "suppressed" (a
// "<5" beside a percentage would read as "under 5 %"); a suppressed count reads
// "<k"; neither ever reads as zero.
function valueText(v, status, ind) {
  if (status === "SUPPRESSED") return (ind?.factor ?? 1) > 1 ? t().suppressedRate : suppressedText(ind);
  if (v === null || v === undefined) return "—"; // e.g. a zero denominator
  return fmt.value(v, ind?.factor ?? 1, state.lang);
}

// countText shows a numerator or denominator: "<k" when suppressed, "—" when the
// API gives none (a plain count has no denominator).
function countText(v, status, ind) {
  if (v === null || v === undefined) return status === "SUPPRESSED" ? suppressedText(ind) : "—";
  return fmt.number(v, state.lang);
}

function suppressedText(ind) {
  return t().suppressed(threshold(ind));
}

function option(value, label, selected) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = label;
  if (selected) o.selected = true;
  return o;
}

function td(textContent, cls, attrs = {}) {
  const c = document.createElement("td");
  c.textContent = textContent;
  if (cls) c.className = cls;
  for (const [k, v] of Object.entries(attrs)) c.setAttribute(k, v);
  return c;
}

// unitRow starts a comparison table's row for unit value r: the unit's data
// for the tests, its rank and its name as the row's heading.
function unitRow(r) {
  const tr = document.createElement("tr");
  tr.dataset.code = r.orgUnit.code;
  tr.dataset.status = r.status;
  tr.dataset.value = r.value ?? "";
  const th = document.createElement("th");
  th.scope = "row";
  th.className = "name";
  th.textContent = r.orgUnit.name;
  tr.append(td(r.rank == null ? "—" : String(r.rank), "rank"), th);
  return tr;
}

// headRow empties table, gives it a caption (for screen readers: the panel's
// subject) and a heading row, and returns its new body.
function headRow(table, caption, labels) {
  const cap = document.createElement("caption");
  cap.className = "visually-hidden";
  cap.textContent = caption;
  const thead = document.createElement("thead");
  const tr = document.createElement("tr");
  for (const l of labels) {
    const th = document.createElement("th");
    th.scope = "col";
    if (typeof l === "string") th.textContent = l;
    else {
      if (l.cls) th.className = l.cls;
      if (!l.title) th.textContent = l.text;
      else { // a short heading spells itself out for pointer and screen-reader users
        const ab = document.createElement("abbr");
        ab.title = l.title;
        ab.textContent = l.text;
        th.append(ab);
      }
    }
    tr.append(th);
  }
  thead.append(tr);
  table.replaceChildren(cap, thead);
  const tbody = document.createElement("tbody");
  table.append(tbody);
  return tbody;
}

function announce(s) {
  $("status").textContent = s;
}

// load runs one panel's request; an answer that arrives after a newer request
// started is dropped, so the panel always shows the last choice.
async function load(panel, key, fetcher, render) {
  const n = (state.seq[panel] = (state.seq[panel] || 0) + 1);
  const sec = $(panel);
  sec.setAttribute("aria-busy", "true");
  sec.dataset.state = "loading";
  $(`${panel}-error`).textContent = "";
  try {
    const answer = await fetcher();
    if (n !== state.seq[panel]) return;
    state.answers[panel] = answer;
    sec.dataset.key = key;
    render();
    sec.dataset.state = "ready";
  } catch (e) {
    if (n !== state.seq[panel]) return;
    if (e instanceof ApiError && e.code === "UNAUTHENTICATED") return showSignIn(t().sessionEnded);
    state.answers[panel] = null;
    $(`${panel}-error`).textContent = t().error(e.code || "INTERNAL", e.message);
    sec.dataset.key = key;
    sec.dataset.state = "error";
  } finally {
    if (n === state.seq[panel]) sec.setAttribute("aria-busy", "false");
  }
}

// --- language ------------------------------------------------------------------

function applyLanguage() {
  const s = t();
  document.documentElement.lang = state.lang;
  document.title = s.pageTitle;
  for (const n of document.querySelectorAll("[data-i18n]")) {
    const v = s[n.dataset.i18n];
    if (typeof v === "string") n.textContent = v;
  }
  const b = $("lang");
  b.textContent = s.langButton;
  b.lang = s.langButtonLang;
  b.setAttribute("aria-label", s.langButtonLabel);
  showWho();
  if (state.indicators.length) {
    fillIndicators();
    fillPeriods();
    fillUnits();
    fillYears();
    renderCompare();
    renderTrend();
    renderCF();
    renderBulletins();
  }
  views.translate();
  if (state.indicators.length) views.render();
}

// --- sign-in -------------------------------------------------------------------

function showWho() {
  const w = state.session;
  $("who").textContent = w ? t().who(w.displayName, w.role, w.area, fmt.timestamp(w.expiresAt, state.lang)) : "";
}

// showSignIn hides the data and shows the sign-in form, with message announced
// (role=alert). The URL keeps the view, so signing in again reopens it.
function showSignIn(message = "") {
  state.session = null;
  state.answers = {};
  $("app").hidden = true;
  $("login").hidden = false;
  $("logout").hidden = true;
  $("password").value = "";
  setLoginError(message);
  showWho();
  $("username").focus();
}

function setLoginError(message, invalid = false) {
  $("login-error").textContent = message;
  for (const id of ["username", "password"]) {
    if (invalid) $(id).setAttribute("aria-invalid", "true");
    else $(id).removeAttribute("aria-invalid");
  }
}

// start opens the dashboard for the signed-in session; after a sign-in through
// the form, focus moves to the first picker (the form it was on is gone).
async function start(fromForm = false) {
  let data;
  try {
    data = await query(Q.start);
  } catch (e) {
    return showSignIn(e.code === "UNAUTHENTICATED" ? t().sessionEnded : t().error(e.code, e.message));
  }
  state.indicators = data.indicators;
  if (data.orgUnits?.length) state.province = data.orgUnits[0];
  $("login").hidden = true;
  $("app").hidden = false;
  $("logout").hidden = false;
  showWho();
  readView();
  fillIndicators();
  fillPeriods();
  fillYears();
  fillUnits();
  if (fromForm) $("indicator").focus();
  thenBelow(views.loadScorecard(), views.loadUnits, loadCompare, loadTrend, loadCF, loadBulletins);
}

// thenBelow runs the loads of the panels further down once the view at the top
// has settled: the warehouse answers them all on the same few cores, and the
// view at the top (the scorecard, or an indicator's comparison) is what the
// reader is waiting for.
function thenBelow(first, ...loads) {
  first.finally(() => loads.forEach((load) => load()));
}

// --- the view in the URL -------------------------------------------------------
// The pickers' choices live in the URL's query (?i=…&pt=…&p=…&u=…&y=…&d=…), so a
// link, a reload or a sign-in after the session ended reopens the same view.

const VIEW = { i: "indicator", pt: "period-type", p: "period", u: "trend-unit", y: "cf-year", d: "cf-district" };

function readView() {
  const q = new URLSearchParams(location.search);
  state.want = {};
  for (const k of Object.keys(VIEW)) if (q.has(k)) state.want[k] = q.get(k);
  if (state.want.pt && [...$("period-type").options].some((o) => o.value === state.want.pt)) $("period-type").value = state.want.pt;
  delete state.want.pt;
}

// wanted returns the URL's choice for k when list holds it (and forgets it), else cur.
function wanted(k, list, cur) {
  if (k in state.want && list.includes(state.want[k])) {
    const v = state.want[k];
    delete state.want[k];
    return v;
  }
  return cur;
}

function saveView() {
  const q = new URLSearchParams();
  for (const [k, id] of Object.entries(VIEW)) {
    const v = k in state.want ? state.want[k] : $(id).value;
    if (v) q.set(k, v);
  }
  const url = `${location.pathname}?${q}${location.hash}`;
  if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(null, "", url);
}

// --- pickers -------------------------------------------------------------------

function fillIndicators() {
  const sel = $("indicator");
  const cur = wanted("i", state.indicators.map((i) => i.id), sel.value || state.indicators[0]?.id);
  sel.replaceChildren(...state.indicators.map((i) => option(i.id, indName(i), i.id === cur)));
  describeIndicator();
}

function describeIndicator() {
  const ind = indicator();
  if (!ind) return;
  const s = t();
  const targets = (ind.targets || [])
    .map((x) => `${x.year}: ${fmt.value(x.value, ind.factor, state.lang)}${x.provisional ? ` (${s.unconfirmed})` : ""}`).join(", ");
  $("indicator-info").textContent = `${indName(ind)} — ${/^lower/i.test(ind.direction) ? s.lowerBetter : s.higherBetter}` +
    (targets ? `; ${s.targetsLabel} ${targets}` : "") + `; ${s.version} ${ind.version}`;
}

function fillPeriods() {
  const sel = $("period");
  const type = $("period-type").value;
  const list = fmt.periodsOf(type, FIRST_YEAR, now.getFullYear(), now.getMonth() + 1);
  // The newest complete period is the default: the current one is still filling.
  const cur = wanted("p", list, list.includes(sel.value) ? sel.value : list[1] ?? list[0]);
  sel.replaceChildren(...list.map((p) => option(p, fmt.period(p, state.lang), p === cur)));
}

function fillYears() {
  const sel = $("cf-year");
  const years = [];
  for (let y = now.getFullYear(); y >= FIRST_YEAR; y--) years.push(String(y));
  const cur = wanted("y", years, sel.value || String(now.getFullYear() - 1));
  sel.replaceChildren(...years.map((y) => option(y, y, y === cur)));
}

function fillUnits() {
  const tu = $("trend-unit"), cd = $("cf-district");
  // A district of the URL is chosen once the districts are known (after the
  // first comparison), and the panel that shows it is then asked again.
  const codes = [state.province.code, ...state.districts.map((d) => d.code)];
  const tcur = wanted("u", codes, tu.value || state.province.code), ccur = wanted("d", ["", ...codes.slice(1)], cd.value);
  const reload = state.districts.length > 0 && ((tu.value && tcur !== tu.value) || ccur !== cd.value);
  tu.replaceChildren(option(state.province.code, `${t().province} — ${state.province.name}`, tcur === state.province.code),
    ...state.districts.map((d) => option(d.code, d.name, d.code === tcur)));
  cd.replaceChildren(option("", t().allDistricts, ccur === ""),
    ...state.districts.map((d) => option(d.code, d.name, d.code === ccur)));
  views.fillWithin();
  if (reload) {
    loadTrend();
    loadCF();
  }
}

// trendRange is the span the trend shows for the chosen period: back to 2016 for
// years, three years for halves and quarters, two years for months.
function trendRange() {
  const type = $("period-type").value, to = $("period").value;
  const y = +to.slice(0, 4);
  switch (type) {
    case "YEAR": return { from: String(FIRST_YEAR), to };
    case "HALF_YEAR": return { from: `${Math.max(FIRST_YEAR, y - 2)}-H1`, to };
    case "QUARTER": return { from: `${Math.max(FIRST_YEAR, y - 2)}-Q1`, to };
    default: return { from: `${Math.max(FIRST_YEAR, y - 2)}-${to.slice(5)}`, to };
  }
}

// --- comparison ----------------------------------------------------------------

function loadCompare() {
  saveView();
  const vars = { indicator: $("indicator").value, period: $("period").value };
  return load("compare", `${vars.indicator}|${vars.period}`, async () => (await query(Q.compare, vars)).compareDistricts, () => {
    renderCompare();
    const ds = state.answers.compare.districts.map((d) => d.orgUnit).sort((a, b) => a.name.localeCompare(b.name, "vi"));
    if (ds.length && ds.map((d) => d.code).join() !== state.districts.map((d) => d.code).join()) {
      state.districts = ds;
      fillUnits();
    }
  });
}

function byRank(a, b) {
  if (a.rank == null && b.rank == null) return a.orgUnit.name.localeCompare(b.orgUnit.name, "vi");
  if (a.rank == null) return 1;
  if (b.rank == null) return -1;
  return a.rank - b.rank;
}

function statusText(st) {
  return t()[`status${st}`] || st;
}

function renderCompare() {
  const a = state.answers.compare;
  const ind = state.indicators.find((i) => i.id === $("compare").dataset.key?.split("|")[0]) || indicator();
  const s = t();
  if (!a) {
    $("compare-chart").replaceChildren();
    $("compare-table").replaceChildren();
    $("compare-subtitle").textContent = "";
    $("compare-asof").textContent = "";
    return;
  }
  const f = ind.factor, L = state.lang;
  const rows = [...a.districts].sort(byRank);
  const target = a.province?.target ?? rows.find((r) => r.target != null)?.target ?? null;
  const periodName = fmt.period(a.period, L);
  // From July 2025 the province line is the 2021 districts' own, so that it compares with the bars.
  const provinceLabel = a.provinceArea === "FORMER_DONG_NAI" ? s.formerDongNaiValue : s.provinceValue;
  $("compare-subtitle").textContent = `${indName(ind)} — ${periodName}. ${provinceLabel}: ${valueText(a.province?.value, a.province?.status, ind)}` +
    (target != null ? `; ${s.nationalTarget}: ${fmt.value(target, f, L)}` : "");
  charts.bars($("compare-chart"), {
    title: s.compareChart(indName(ind), periodName),
    fmtTick: (v, digits) => fmt.number(v, L, digits),
    rows: rows.map((r) => {
      const label = valueText(r.value, r.status, ind) + (r.status === "UNSTABLE" ? " *" : "");
      const aria = `${r.orgUnit.name}: ${r.status === "SUPPRESSED" ? s.suppressedLabel(threshold(ind)) : label}` +
        (r.rank != null ? `, ${s.rank.toLowerCase()} ${r.rank}` : "") + (r.status === "UNSTABLE" ? `, ${s.statusUNSTABLE.toLowerCase()}` : "");
      return { code: r.orgUnit.code, name: r.orgUnit.name, value: r.value, status: r.status, label, aria };
    }),
    refs: [
      { value: a.province?.value, cls: "province", label: `${provinceLabel} ${fmt.value(a.province?.value, f, L)}` },
      { value: target, cls: "target", label: `${s.nationalTarget} ${fmt.value(target, f, L)}` },
    ],
  });
  $("compare-legend").replaceChildren(
    legendKey("province", provinceLabel), legendKey("target", s.nationalTarget),
    ...notes(ind, a.approximate));
  const tbody = headRow($("compare-table"), $("compare-subtitle").textContent, [s.rank, { text: s.name, cls: "name" }, s.value,
    { text: s.numeratorShort, title: s.numerator }, { text: s.denominatorShort, title: s.denominator }, s.target,
    { text: s.gapShort, title: s.gap }, { text: s.changeShort, title: s.change }, s.status]);
  for (const r of rows) {
    const tr = unitRow(r);
    const sup = r.status === "SUPPRESSED";
    tr.append(
      td(valueText(r.value, r.status, ind), `value${sup ? " suppressed" : r.status === "UNSTABLE" ? " unstable" : ""}`, sup ? { "aria-label": s.suppressedLabel(threshold(ind)) } : {}),
      td(countText(r.numerator, r.status, ind), `numerator${r.numerator == null ? " suppressed" : ""}`),
      td(countText(r.denominator, "OK", ind), "denominator"),
      td(r.target == null ? "—" : fmt.value(r.target, f, L), "target"),
      td(r.gap == null ? "—" : fmt.signed(r.gap, f, L), "gap"),
      td(r.change == null ? "—" : fmt.signed(r.change, f, L), "change"),
      td(statusText(r.status), "status"),
    );
    tbody.append(tr);
  }
  views.asOf($("compare-asof"), a.asOf, a.definitionVersion);
}

// exactCounts tells whether the session's role sees exact counts (province officers);
// every other role gets counts rounded by the server's disclosure control.
function exactCounts() {
  return state.session?.role === "province_officer";
}

// notes are the legend lines every indicator panel carries.
function notes(ind, approximate) {
  const s = t();
  const out = [note(s.suppressedNote(threshold(ind))), note(s.unstableNote)];
  if (!exactCounts()) out.push(note(s.roundedNote));
  if (approximate) out.push(note(s.approximate));
  return out;
}

function note(text) {
  const n = document.createElement("span");
  n.className = "note";
  n.textContent = text;
  return n;
}

function legendKey(cls, label) {
  const span = document.createElement("span");
  const k = document.createElement("span");
  k.className = `key ${cls}`;
  k.setAttribute("aria-hidden", "true");
  span.append(k, document.createTextNode(label));
  return span;
}

// --- trend ---------------------------------------------------------------------

function loadTrend() {
  saveView();
  const vars = { indicator: $("indicator").value, orgUnit: $("trend-unit").value || state.province.code, periodType: $("period-type").value, ...trendRange() };
  return load("trend", `${vars.indicator}|${vars.orgUnit}|${vars.from}|${vars.to}|${vars.periodType}`,
    async () => (await query(Q.trend, vars)).trend, renderTrend);
}

function unitName(code) {
  if (code === state.province.code) return `${t().province} — ${state.province.name}`;
  return state.districts.find((d) => d.code === code)?.name ?? code;
}

function renderTrend() {
  const a = state.answers.trend;
  if (!a) {
    $("trend-chart").replaceChildren();
    $("trend-table").replaceChildren();
    $("trend-subtitle").textContent = "";
    $("trend-asof").textContent = "";
    return;
  }
  const [id, unit] = ($("trend").dataset.key || "").split("|");
  const ind = state.indicators.find((i) => i.id === id) || indicator();
  const s = t(), f = ind.factor, L = state.lang;
  const target = [...a.points].reverse().find((p) => p.target != null)?.target ?? null;
  $("trend-subtitle").textContent = `${indName(ind)} — ${unitName(unit)}`;
  charts.line($("trend-chart"), {
    title: s.trendChart(indName(ind), unitName(unit)),
    fmtTick: (v, digits) => fmt.number(v, L, digits),
    fmtPeriod: fmt.shortPeriod,
    target: { value: target, label: `${s.nationalTarget} ${fmt.value(target, f, L)}` },
    points: a.points.map((p) => {
      const label = valueText(p.value, p.status, ind);
      const sup = p.status === "SUPPRESSED";
      return { period: p.period, value: p.value, status: p.status, label,
        aria: `${fmt.period(p.period, L)}: ${sup ? s.suppressedLabel(threshold(ind)) : label}${p.status === "UNSTABLE" ? `, ${s.statusUNSTABLE.toLowerCase()}` : ""}` };
    }),
  });
  $("trend-legend").replaceChildren(legendKey("target", s.nationalTarget),
    ...notes(ind, a.approximate));
  const tbody = headRow($("trend-table"), $("trend-subtitle").textContent, [{ text: s.periodCol, cls: "name" }, s.value, s.numerator, s.denominator, s.target, s.status]);
  for (const p of a.points) {
    const tr = document.createElement("tr");
    tr.dataset.period = p.period;
    tr.dataset.status = p.status;
    tr.dataset.value = p.value ?? "";
    const sup = p.status === "SUPPRESSED";
    const th = document.createElement("th");
    th.scope = "row";
    th.className = "name";
    th.textContent = fmt.period(p.period, L);
    tr.append(th,
      td(valueText(p.value, p.status, ind), `value${sup ? " suppressed" : p.status === "UNSTABLE" ? " unstable" : ""}`, sup ? { "aria-label": s.suppressedLabel(threshold(ind)) } : {}),
      td(countText(p.numerator, p.status, ind), `numerator${p.numerator == null ? " suppressed" : ""}`),
      td(countText(p.denominator, "OK", ind), "denominator"),
      td(p.target == null ? "—" : fmt.value(p.target, f, L), "target"),
      td(statusText(p.status), "status"));
    tbody.append(tr);
  }
  views.asOf($("trend-asof"), a.asOf, a.definitionVersion);
}

// --- child-friendly communes ------------------------------------------------------

function loadCF() {
  saveView();
  const vars = { year: +$("cf-year").value, district: $("cf-district").value || null };
  return load("cf", `${vars.year}|${vars.district ?? ""}`, async () => (await query(Q.cf, vars)).childFriendlyCommunes, renderCF);
}

function renderCF() {
  const a = state.answers.cf;
  if (!a) {
    $("cf-table").replaceChildren();
    $("cf-summary").textContent = "";
    $("cf-asof").textContent = "";
    return;
  }
  const s = t(), L = state.lang;
  const communes = a.communes;
  const numbers = [...new Set(communes.flatMap((c) => c.criteria.map((k) => k.number)))].sort((x, y) => x - y);
  const critName = (k) => (L === "vi" ? k.name : k.nameEn);
  const names = new Map(communes.flatMap((c) => c.criteria.map((k) => [k.number, critName(k)])));
  const tbody = headRow($("cf-table"), `${s.cfTitle} ${($("cf").dataset.key || "").split("|")[0]}`, [{ text: s.commune, cls: "name" },
    ...numbers.map((n) => ({ text: s.criterion(n), title: names.get(n) })), s.total, s.threshold, s.result]);
  for (const c of communes) {
    const tr = document.createElement("tr");
    tr.dataset.code = c.commune.code;
    tr.dataset.total = c.totalScore ?? "";
    tr.dataset.recognised = c.recognised ?? "";
    const th = document.createElement("th");
    th.scope = "row";
    th.className = "name";
    th.textContent = c.commune.name;
    // Names repeat across the reorganisations; the code tells the versions apart.
    const code = document.createElement("span");
    code.className = "code";
    code.textContent = ` ${c.commune.code}`;
    th.append(code);
    tr.append(th);
    const failed = new Set(c.failedCriteria);
    const byNumber = new Map(c.criteria.map((k) => [k.number, k]));
    for (const n of numbers) {
      const k = byNumber.get(n);
      if (!k) { tr.append(td("—", "criterion")); continue; }
      const fail = failed.has(n);
      // A score resting on a withheld count is the range the released values allow.
      const shown = points(k.score, k.scoreMin, k.scoreMax, L);
      const cell = td(`${shown}${k.provisional ? "†" : ""}`, `criterion${fail ? " fail" : ""}${k.provisional ? " provisional" : ""}${k.score == null ? " range" : ""}`, {
        "data-criterion": n, "data-score": k.score ?? "",
        title: `${critName(k)}: ${k.value == null ? s.withheld : fmt.number(k.value, L, Number.isInteger(k.value) ? 0 : 1)}${k.band ? ` (${k.band})` : ""} → ${shown}/${fmt.number(k.maxScore, L)}`,
      });
      const extra = [fail ? s.failedMark : "", k.provisional ? s.provisionalMark : ""].filter(Boolean).join(", ");
      if (extra) {
        const h = document.createElement("span");
        h.className = "visually-hidden";
        h.textContent = ` (${extra})`;
        cell.append(h);
      }
      tr.append(cell);
    }
    const result = c.notAssessed ? [s.notAssessed, "result not-assessed"]
      : c.recognised == null ? [s.undetermined, "result undetermined"]
      : c.recognised ? [s.recognised, "result recognised"] : [s.notRecognised, "result not-recognised"];
    tr.append(td(points(c.totalScore, c.totalScoreMin, c.totalScoreMax, L), "total"), td(fmt.number(c.threshold, L), "threshold"),
      td(result[0], result[1]));
    tbody.append(tr);
  }
  // The summary is the API's: of the chosen district, else of the province.
  const [, district] = ($("cf").dataset.key || "").split("|");
  const sum = (district && a.districts.find((d) => d.orgUnit.code === district)) || a.province;
  // The share is of the communes assessed; those lacking data are said apart.
  $("cf-summary").textContent = s.cfSummary(sum.orgUnit.name, sum.communes - sum.notAssessed, sum.recognised,
    sum.share == null ? "—" : fmt.number(sum.share, L, 1) + " %", fmt.number(sum.target2025, L) + " %", fmt.number(sum.target2030, L) + " %") +
    (sum.undetermined > 0 ? " " + s.cfUndetermined(sum.undetermined) : "") +
    (sum.notAssessed > 0 ? " " + s.cfNotAssessed(sum.notAssessed) : "");
  $("cf-legend").textContent = s.cfLegend + (a.approximate ? " " + s.approximate : "");
  views.asOf($("cf-asof"), a.asOf, a.scoringVersion);
}

// --- the quarterly bulletin ----------------------------------------------------
// The published issues (and, for province officers, the drafts), each with its
// HTML and PDF: the downloads go through the export route with the session.

function loadBulletins() {
  return load("bulletins", "all", async () => (await query(Q.bulletins)).bulletins, renderBulletins);
}

const ROMAN = ["", "I", "II", "III", "IV"];

function renderBulletins() {
  const s = t();
  const list = $("bulletins-list");
  const issues = state.answers.bulletins || [];
  list.replaceChildren();
  $("bulletins-empty").hidden = issues.length > 0;
  for (const b of issues) {
    const li = document.createElement("li");
    li.dataset.period = `${b.year}-Q${b.quarter}`;
    li.dataset.status = b.status;
    const name = document.createElement("span");
    name.textContent = s.bulletinIssue(ROMAN[b.quarter], b.year) + (b.status === "DRAFT" ? ` (${s.bulletinDraft})` : "");
    li.append(name);
    for (const [url, format, label] of [[b.htmlUrl, "html", s.bulletinHtml], [b.pdfUrl, "pdf", s.bulletinPdf]]) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "dl";
      // download() adds /export/ and the format back.
      button.dataset.table = url.replace(/^\/export\//, "").replace(/\.[a-z]+$/, "");
      button.dataset.format = format;
      button.textContent = label;
      button.addEventListener("click", onDownload);
      li.append(" ", button);
    }
    list.append(li);
  }
}

// points prints a score, or the range the released values allow ("675–975").
function points(score, min, max, L) {
  return score == null ? `${fmt.number(min, L)}–${fmt.number(max, L)}` : fmt.number(score, L);
}

// --- downloads -----------------------------------------------------------------

function exportParams(table) {
  switch (table) {
    case "compare-districts": return { indicator: $("indicator").value, period: $("period").value };
    case "compare-units": return views.unitsParams();
    case "indicator-values": {
      const r = trendRange();
      return { ids: $("indicator").value, orgUnits: $("trend-unit").value || state.province.code, from: r.from, to: r.to, periodType: $("period-type").value };
    }
    case "child-friendly-communes": return { year: $("cf-year").value, district: $("cf-district").value };
  }
  return {};
}

async function onDownload(ev) {
  const b = ev.currentTarget;
  const panel = b.closest(".panel").id;
  b.disabled = true;
  try {
    const name = await download(b.dataset.table, b.dataset.format, exportParams(b.dataset.table));
    announce(name);
  } catch (e) {
    if (e.code === "UNAUTHENTICATED") return showSignIn(t().sessionEnded);
    $(`${panel}-error`).textContent = `${t().downloadFailed}: ${t().error(e.code, e.message)}`;
  } finally {
    b.disabled = false;
  }
}

// --- wiring --------------------------------------------------------------------

$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const username = $("username").value.trim(), password = $("password").value;
  if (!username || !password) return setLoginError(t().loginMissing, true);
  const button = $("login-submit");
  button.disabled = true;
  setLoginError("");
  try {
    state.session = await signIn(username, password);
  } catch (e) {
    $("password").value = "";
    $("password").focus();
    if (e.code !== "UNAUTHENTICATED") return setLoginError(t().error(e.code, e.message), false);
    return setLoginError(e.retryAfter ? t().tooMany(Math.ceil(e.retryAfter / 60)) : t().badLogin, true);
  } finally {
    button.disabled = false;
  }
  $("password").value = "";
  setLoginError("");
  start(true);
});
$("logout").addEventListener("click", async () => {
  try {
    await signOut();
  } catch { /* the session is gone from this page either way */ }
  showSignIn(t().signedOut);
});
$("lang").addEventListener("click", () => {
  state.lang = state.lang === "vi" ? "en" : "vi";
  localStorage.setItem("treem.lang", state.lang);
  applyLanguage();
});
$("indicator").addEventListener("change", () => { describeIndicator(); thenBelow(views.loadUnits(), loadCompare, loadTrend); });
$("period-type").addEventListener("change", () => { fillPeriods(); thenBelow(views.loadScorecard(), views.loadUnits, loadCompare, loadTrend); });
$("period").addEventListener("change", () => thenBelow(views.loadScorecard(), views.loadUnits, loadCompare, loadTrend));
$("trend-unit").addEventListener("change", loadTrend);
$("cf-year").addEventListener("change", loadCF);
$("cf-district").addEventListener("change", loadCF);
for (const b of document.querySelectorAll("button.dl")) b.addEventListener("click", onDownload);

// The views (scorecard, comparison by today's units, map) share the page's
// pickers, answers and helpers.
views.init({
  lang: () => state.lang, strings: t, indicators: () => state.indicators, indicator, indName, threshold,
  province: () => state.province, districts: () => state.districts, answers: () => state.answers,
  query, load, headRow, td, unitRow, valueText, countText, statusText, notes, legendKey,
});

// Charts are drawn at the width they have, so a phone keeps legible text: redraw
// (from the answers in memory) when that width changes.
let lastWidth = window.innerWidth;
window.addEventListener("resize", () => {
  if (window.innerWidth === lastWidth) return;
  lastWidth = window.innerWidth;
  clearTimeout(state.resizeTimer);
  state.resizeTimer = setTimeout(() => { renderCompare(); renderTrend(); views.render(); }, 150);
});

applyLanguage();
// boot opens the dashboard when the cookie's session is still live, else the form.
async function boot() {
  try {
    state.session = await currentSession();
  } catch (e) {
    return showSignIn(t().error(e.code, e.message));
  }
  if (state.session) start();
  else showSignIn();
}
boot();
