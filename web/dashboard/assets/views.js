// The landing views: a scorecard of every indicator for the chosen period, the
// comparison by the units in force at the period's end (the 95 communes and
// wards from July 2025, the 11 districts before), and a map of the same answer
// (a tile map, or boundaries when the server is given a GeoJSON file). Every
// number comes from the API as released: a withheld cell is shown as withheld,
// never recomputed. app.js hands in its helpers through init (ctx).
import { vstrings } from "./i18n-views.js";
import * as fmt from "./format.js";
import * as charts from "./charts.js";

const NS = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);
let ctx;
const v = () => vstrings[ctx.lang()];
const L = () => ctx.lang();

// REORGANISED is the first month without districts: the communes and wards of
// the merged province are the units from then on.
const REORGANISED = 2025 * 12 + 7;

// lastMonth is the year×12+month of a period's last month (2025-Q3 → 2025×12+9).
function lastMonth(period) {
  let m;
  if ((m = /^(\d{4})$/.exec(period))) return +m[1] * 12 + 12;
  if ((m = /^(\d{4})-H([12])$/.exec(period))) return +m[1] * 12 + 6 * +m[2];
  if ((m = /^(\d{4})-Q([1-4])$/.exec(period))) return +m[1] * 12 + 3 * +m[2];
  if ((m = /^(\d{4})-(\d{2})$/.exec(period))) return +m[1] * 12 + +m[2];
  return 0;
}

// levelFor is the level whose units are in force on the period's last day, as
// compareUnits counts them: districts until June 2025, communes and wards after.
export function levelFor(period) {
  return lastMonth(period) >= REORGANISED ? "COMMUNE" : "DISTRICT";
}

const CARD = `period level on
  province { area value status target meetsTarget change }
  units { orgUnit { code } value status meetsTarget }
  asOf { runId finishedAt watermark } definitionVersion approximate`;

// scorecardQuery asks every indicator in one request, one alias each.
function scorecardQuery(ids) {
  const vars = ids.map((_, i) => `$i${i}: ID!`).join(", ");
  const fields = ids.map((_, i) => `i${i}: compareUnits(indicator: $i${i}, period: $period, level: $level) { ${CARD} }`).join("\n  ");
  return `query DashboardScorecard($period: String!, $level: OrgLevel!${vars ? ", " + vars : ""}) {\n  ${fields}\n}`;
}

const UNITS = `query DashboardUnits($indicator: ID!, $period: String!, $level: OrgLevel!, $within: String) {
  compareUnits(indicator: $indicator, period: $period, level: $level, within: $within) {
    period periodLastDay level on within { code name }
    units { orgUnit { code name level } value numerator denominator rank status target gap change meetsTarget approximate }
    province { area value numerator denominator status target meetsTarget change }
    asOf { runId finishedAt watermark } definitionVersion approximate
  }
}`;

// init wires the views to the page; ctx holds app.js's state and helpers.
export function init(c) {
  ctx = c;
  $("units-within").addEventListener("change", loadUnits);
  $("map-kind").addEventListener("change", renderMap);
  for (const b of document.querySelectorAll("button.print")) b.addEventListener("click", onPrint);
  window.addEventListener("afterprint", () => {
    delete document.body.dataset.print;
    for (const s of document.querySelectorAll("[data-printing]")) s.removeAttribute("data-printing");
  });
}

// translate words the views' fixed texts (those i18n.js does not hold).
export function translate() {
  const s = v();
  for (const n of document.querySelectorAll("[data-i18n]")) {
    const x = s[n.dataset.i18n];
    if (typeof x === "string") n.textContent = x;
  }
}

// render redraws from the answers in memory (after a language switch or resize).
export function render() {
  fillWithin();
  renderScorecard();
  renderUnits();
  renderMap();
}

// --- shared ----------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const n = document.createElementNS(NS, tag);
  for (const [k, x] of Object.entries(attrs)) if (x !== undefined && x !== null) n.setAttribute(k, String(x));
  for (const ch of children) n.append(ch);
  return n;
}

function svgText(x, y, s, attrs = {}) {
  const t = el("text", { x, y, ...attrs });
  t.textContent = s;
  return t;
}

// meetsWord is the target status in words and a mark, never colour alone.
export function meetsWord(meets, target) {
  const s = v();
  if (target === null || target === undefined) return { mark: s.noTargetMark, word: s.noTarget, cls: "no-target" };
  if (meets === true) return { mark: s.metMark, word: s.met, cls: "met" };
  if (meets === false) return { mark: s.notMetMark, word: s.notMet, cls: "not-met" };
  return { mark: "?", word: s.unknownMet, cls: "unknown" };
}

function meetsCell(meets, target, cls = "meets") {
  const m = meetsWord(meets, target);
  const c = document.createElement("td");
  c.className = `${cls} ${m.cls}`;
  const mark = document.createElement("span");
  mark.className = "mark";
  mark.setAttribute("aria-hidden", "true");
  mark.textContent = m.mark;
  c.append(mark, document.createTextNode(` ${m.word}`));
  c.dataset.meets = meets === null || meets === undefined ? "" : String(meets);
  return c;
}

// asOf shows the day the data reach and, behind a Details toggle, the run, its
// watermark and the catalogue version.
export function asOf(node, a, definitionVersion) {
  const s = v();
  if (!a || !a.runId) {
    node.replaceChildren(document.createTextNode(s.asOfNone));
    return;
  }
  const lead = document.createElement("span");
  lead.className = "asof-date";
  lead.textContent = s.asOf(fmt.timestamp(a.finishedAt, L()));
  const det = document.createElement("details");
  det.className = "lineage";
  const sum = document.createElement("summary");
  sum.textContent = s.details;
  const dl = document.createElement("dl");
  const row = (k, x) => {
    if (x === null || x === undefined || x === "") return;
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    dd.textContent = x;
    dl.append(dt, dd);
  };
  row(s.runId, a.runId);
  row(s.finishedAt, fmt.timestamp(a.finishedAt, L()));
  row(s.watermark, a.watermark && !Number.isNaN(Date.parse(a.watermark)) ? fmt.timestamp(a.watermark, L()) : a.watermark);
  row(s.definitionVersion, definitionVersion);
  det.append(sum, dl);
  node.replaceChildren(lead, document.createTextNode(" "), det);
}

function printNote(panel, period) {
  const s = v();
  const n = $(`${panel}-print`);
  const title = document.createElement("strong");
  title.textContent = ctx.strings().title;
  n.replaceChildren(title, document.createTextNode(` — ${s.printedPeriod(fmt.period(period, L()))}`),
    document.createElement("br"), document.createTextNode(s.printNote));
}

function onPrint(ev) {
  const id = ev.currentTarget.dataset.print;
  document.body.dataset.print = id;
  $(id).setAttribute("data-printing", "");
  window.print();
}

function levelName(level) {
  return level === "COMMUNE" ? v().levelCommune : v().levelDistrict;
}

// --- scorecard ---------------------------------------------------------------------

// loadScorecard asks for the chosen period's scorecard; it settles when the
// scorecard is drawn (or has failed).
export function loadScorecard() {
  const inds = ctx.indicators();
  const period = $("period").value, level = levelFor(period);
  const vars = { period, level };
  inds.forEach((ind, i) => { vars[`i${i}`] = ind.id; });
  return ctx.load("scorecard", `${period}|${level}`, async () => {
    const data = await ctx.query(scorecardQuery(inds.map((i) => i.id)), vars);
    return { period, level, rows: inds.map((ind, i) => ({ ind, c: data[`i${i}`] })) };
  }, renderScorecard);
}

// unitCounts counts, from the API's own answer, the units that meet the target
// among those with a released value, and those withheld.
export function unitCounts(units) {
  const withheld = units.filter((u) => u.status === "SUPPRESSED").length;
  const released = units.filter((u) => u.status !== "SUPPRESSED" && u.value !== null && u.value !== undefined);
  return { met: released.filter((u) => u.meetsTarget === true).length, released: released.length, withheld };
}

function renderScorecard() {
  const a = ctx.answers().scorecard;
  const s = v(), lang = L();
  if (!a) {
    $("scorecard-table").replaceChildren();
    $("scorecard-asof").replaceChildren();
    return;
  }
  const periodName = fmt.period(a.period, lang);
  $("scorecard-subtitle").textContent = s.scCaption(periodName);
  const tbody = ctx.headRow($("scorecard-table"), s.scCaption(periodName), [{ text: s.scIndicator, cls: "name" }, s.scProvince, s.scTarget,
    s.scMeets, s.scUnits, s.scChange]);
  let first = null;
  for (const { ind, c } of a.rows) {
    first ??= c;
    const p = c.province, f = ind.factor;
    const tr = document.createElement("tr");
    tr.dataset.indicator = ind.id;
    tr.dataset.status = p.status;
    tr.dataset.value = p.value ?? "";
    const th = document.createElement("th");
    th.scope = "row";
    th.className = "name";
    const b = document.createElement("button");
    b.type = "button";
    b.className = "open link";
    b.textContent = ctx.indName(ind);
    b.setAttribute("aria-label", s.scOpen(ctx.indName(ind)));
    b.addEventListener("click", () => openIndicator(ind.id));
    th.append(b);
    const cnt = unitCounts(c.units);
    const sup = p.status === "SUPPRESSED";
    const unitsText = p.target == null ? "—" : cnt.released ? s.scUnitsText(cnt.met, cnt.released, cnt.withheld) : s.scUnitsNone(cnt.withheld);
    tr.append(th,
      ctx.td(ctx.valueText(p.value, p.status, ind), `value${sup ? " suppressed" : p.status === "UNSTABLE" ? " unstable" : ""}`),
      ctx.td(p.target == null ? "—" : fmt.value(p.target, f, lang), "target"),
      meetsCell(p.meetsTarget, p.target),
      ctx.td(unitsText, "units", { "data-met": cnt.met, "data-released": cnt.released, "data-withheld": cnt.withheld }),
      ctx.td(p.change == null ? "—" : fmt.signed(p.change, f, lang), "change", { "data-change": p.change ?? "" }));
    tbody.append(tr);
  }
  $("scorecard-legend").replaceChildren(...[s.scLevel(first?.units.length ?? 0, levelName(a.level)),
    ctx.strings().suppressedNote(5), ctx.strings().unstableNote].map(note));
  asOf($("scorecard-asof"), first?.asOf, first?.definitionVersion);
  printNote("scorecard", a.period);
}

function note(text) {
  const n = document.createElement("span");
  n.className = "note";
  n.textContent = text;
  return n;
}

// openIndicator chooses an indicator and moves to its comparison.
function openIndicator(id) {
  const sel = $("indicator");
  sel.value = id;
  sel.dispatchEvent(new Event("change"));
  const h = $("units-title");
  h.setAttribute("tabindex", "-1");
  h.focus();
  $("units").scrollIntoView?.({ block: "start" });
}

// --- comparison by today's units ------------------------------------------------------

// fillWithin lists the scopes: the province, or one 2021 district's communes.
export function fillWithin() {
  const sel = $("units-within");
  const cur = sel.value;
  const opts = [[ "", v().wholeProvince ], ...ctx.districts().map((d) => [d.code, d.name])];
  sel.replaceChildren(...opts.map(([code, name]) => {
    const o = document.createElement("option");
    o.value = code;
    o.textContent = name;
    o.selected = code === cur;
    return o;
  }));
}

// unitsParams are the arguments of the panel's comparison, shared by its
// query and its compare-units download so that the file is what is shown.
export function unitsParams() {
  const period = $("period").value, within = $("units-within").value || null;
  return { indicator: $("indicator").value, period, level: within ? "COMMUNE" : levelFor(period), within };
}

// loadUnits asks for the chosen indicator's comparison by today's units.
export function loadUnits() {
  const vars = unitsParams();
  return ctx.load("units", `${vars.indicator}|${vars.period}|${vars.level}|${vars.within ?? ""}`,
    async () => (await ctx.query(UNITS, vars)).compareUnits, () => { renderUnits(); renderMap(); });
}

function byRank(a, b) {
  if (a.rank == null && b.rank == null) return a.orgUnit.name.localeCompare(b.orgUnit.name, "vi");
  if (a.rank == null) return 1;
  if (b.rank == null) return -1;
  return a.rank - b.rank || a.orgUnit.name.localeCompare(b.orgUnit.name, "vi");
}

function unitsIndicator() {
  const id = ($("units").dataset.key || "").split("|")[0];
  return ctx.indicators().find((i) => i.id === id) || ctx.indicator();
}

function renderUnits() {
  const a = ctx.answers().units;
  const s = v(), t = ctx.strings(), lang = L();
  $("units-note").textContent = levelFor($("period").value) === "COMMUNE" ? s.unitsNote2025 : s.unitsNoteBefore;
  if (!a) {
    for (const id of ["units-chart", "units-table", "units-asof", "units-legend"]) $(id).replaceChildren();
    $("units-subtitle").textContent = "";
    return;
  }
  const ind = unitsIndicator(), f = ind.factor;
  const rows = [...a.units].sort(byRank);
  const periodName = fmt.period(a.period, lang);
  const target = a.province?.target ?? rows.find((r) => r.target != null)?.target ?? null;
  const where = a.within.code === ctx.province().code ? "" : ` (${a.within.name})`;
  $("units-subtitle").textContent = s.unitsSubtitle(ctx.indName(ind), periodName, rows.length, levelName(a.level) + where) + " " +
    s.provinceLine(t.provinceValue, ctx.valueText(a.province?.value, a.province?.status, ind)) +
    (target != null ? `; ${t.nationalTarget}: ${fmt.value(target, f, lang)}` : "");
  $("units").toggleAttribute("data-many", rows.length > 24);
  charts.bars($("units-chart"), {
    title: s.unitsChart(ctx.indName(ind), periodName, rows.length, levelName(a.level)),
    fmtTick: (x, digits) => fmt.number(x, lang, digits),
    rows: rows.map((r) => {
      const m = meetsWord(r.meetsTarget, r.target);
      const label = ctx.valueText(r.value, r.status, ind) + (r.status === "UNSTABLE" ? " *" : "");
      const sup = r.status === "SUPPRESSED";
      const aria = `${r.orgUnit.name}: ${sup ? t.suppressedLabel(ctx.threshold(ind)) : label}` +
        (sup ? "" : `, ${m.word.toLowerCase()}`) + (r.rank != null ? `, ${t.rank.toLowerCase()} ${r.rank}` : "") +
        (r.status === "UNSTABLE" ? `, ${t.statusUNSTABLE.toLowerCase()}` : "");
      return { code: r.orgUnit.code, name: r.orgUnit.name, value: r.value, status: r.status, label, aria,
        mark: sup ? "" : m.mark, cls: sup ? "" : m.cls };
    }),
    refs: [
      { value: a.province?.value, cls: "province", label: `${t.provinceValue} ${fmt.value(a.province?.value, f, lang)}` },
      { value: target, cls: "target", label: `${t.nationalTarget} ${fmt.value(target, f, lang)}` },
    ],
  });
  $("units-legend").replaceChildren(ctx.legendKey("province", t.provinceValue), ctx.legendKey("target", t.nationalTarget),
    keySwatch("met", s.keyMet), keySwatch("not-met", s.keyNotMet), keySwatch("no-target", s.keyNoTarget), keySwatch("suppressed", s.keySuppressed),
    ...ctx.notes(ind, false), ...(a.approximate ? [note(s.unitsApproximate)] : []));
  const tbody = ctx.headRow($("units-table"), $("units-subtitle").textContent, [t.rank, { text: s.unitName, cls: "name" }, t.value,
    { text: t.numeratorShort, title: t.numerator }, { text: t.denominatorShort, title: t.denominator }, t.target, s.meets,
    { text: t.changeShort, title: t.change }, t.status]);
  for (const r of rows) {
    const tr = ctx.unitRow(r);
    const sup = r.status === "SUPPRESSED";
    tr.append(
      ctx.td(ctx.valueText(r.value, r.status, ind), `value${sup ? " suppressed" : r.status === "UNSTABLE" ? " unstable" : ""}`,
        sup ? { "aria-label": t.suppressedLabel(ctx.threshold(ind)) } : {}),
      ctx.td(ctx.countText(r.numerator, r.status, ind), `numerator${r.numerator == null ? " suppressed" : ""}`),
      ctx.td(ctx.countText(r.denominator, "OK", ind), "denominator"),
      ctx.td(r.target == null ? "—" : fmt.value(r.target, f, lang), "target"),
      meetsCell(r.meetsTarget, r.target),
      ctx.td(r.change == null ? "—" : fmt.signed(r.change, f, lang), "change"),
      ctx.td(ctx.statusText(r.status), "status"));
    tbody.append(tr);
  }
  asOf($("units-asof"), a.asOf, a.definitionVersion);
  printNote("units", a.period);
}

function keySwatch(cls, label) {
  const span = document.createElement("span");
  span.className = "swatch-key";
  const k = document.createElement("span");
  k.className = `swatch ${cls}`;
  k.setAttribute("aria-hidden", "true");
  span.append(k, document.createTextNode(label));
  return span;
}

// --- map ---------------------------------------------------------------------------

let tiles = null, boundaries = null, geoTried = false;

async function ensureGeometry() {
  if (!tiles) tiles = await (await fetch("tiles.json")).json();
  if (!geoTried) {
    geoTried = true;
    try {
      const g = await (await fetch("boundaries.geojson")).json();
      boundaries = g?.features?.length ? g : null;
    } catch {
      boundaries = null;
    }
    const kind = $("map-kind");
    kind.closest(".field").hidden = !boundaries;
    if (boundaries) kind.value = "boundaries";
  }
}

// layoutFor picks the tile layout for an answer's units: the 11 districts, or
// the 95 communes and wards in force from July 2025.
function layoutFor(a) {
  if (a.level === "DISTRICT") return tiles.district;
  if (a.on >= "2025-07-01") return tiles.commune2025;
  return null;
}

async function renderMap() {
  const a = ctx.answers().units;
  const box = $("map-chart");
  const sec = $("map");
  if (!a) {
    box.replaceChildren();
    $("map-table-note").textContent = "";
    return;
  }
  sec.dataset.state = "loading";
  sec.setAttribute("aria-busy", "true");
  await ensureGeometry();
  if (ctx.answers().units !== a) return; // a newer answer draws instead
  const s = v(), lang = L();
  const ind = unitsIndicator();
  const periodName = fmt.period(a.period, lang);
  const title = s.mapChart(ctx.indName(ind), periodName, a.units.length, levelName(a.level));
  $("map-subtitle").textContent = $("units-subtitle").textContent;
  const useGeo = boundaries && $("map-kind").value === "boundaries";
  const drawn = useGeo ? drawBoundaries(box, a, ind, title) : drawTiles(box, a, ind, title);
  const missing = a.units.filter((u) => !drawn.has(u.orgUnit.code)).map((u) => u.orgUnit.name);
  $("map-table-note").textContent = drawn.size === 0 ? s.mapNoPositions : missing.length ? s.mapMissing(missing.join(", ")) : "";
  $("map-legend").replaceChildren(keySwatch("met", s.keyMet), keySwatch("not-met", s.keyNotMet), keySwatch("no-target", s.keyNoTarget),
    keySwatch("suppressed", s.keySuppressed), note(s.keyUnstable), note(useGeo ? s.mapBoundariesNote : s.mapTilesNote),
    note(ctx.strings().suppressedNote(ctx.threshold(ind))));
  asOf($("map-asof"), a.asOf, a.definitionVersion);
  printNote("map", a.period);
  sec.dataset.key = $("units").dataset.key + `|${useGeo ? "boundaries" : "tiles"}`;
  sec.dataset.state = "ready";
  sec.setAttribute("aria-busy", "false");
}

// shade is a tile's fill: the hue says the target status, the depth the value
// within the released values' range (the mark and the words say it too).
function shade(u, lo, hi) {
  const m = meetsWord(u.meetsTarget, u.target);
  const hue = { met: 140, "not-met": 25, "no-target": 212, unknown: 212 }[m.cls];
  const t = hi > lo ? (u.value - lo) / (hi - lo) : 0.5;
  return `hsl(${hue} 55% ${Math.round(90 - t * 26)}%)`;
}

function tileData(a, ind) {
  const s = v(), t = ctx.strings();
  const vals = a.units.filter((u) => u.status !== "SUPPRESSED" && u.value != null).map((u) => u.value);
  const lo = Math.min(...vals), hi = Math.max(...vals);
  return (u) => {
    const sup = u.status === "SUPPRESSED";
    const m = meetsWord(u.meetsTarget, u.target);
    const text = ctx.valueText(u.value, u.status, ind) + (u.status === "UNSTABLE" ? " *" : "");
    const aria = s.tileLabel(u.orgUnit.name, sup ? t.suppressedLabel(ctx.threshold(ind)) : text, sup ? "" : m.word.toLowerCase(),
      u.status === "UNSTABLE" ? t.statusUNSTABLE.toLowerCase() : "");
    return { sup, m, text, aria, fill: sup ? "url(#map-hatch)" : u.value == null ? "#fff" : shade(u, lo, hi) };
  };
}

function mapDefs() {
  return el("defs", {},
    el("pattern", { id: "map-hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
      el("rect", { width: 6, height: 6, fill: "#fff" }),
      el("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#8c959f", "stroke-width": 2 })));
}

function markAttrs(u, d, cls) {
  return {
    class: `${cls} ${d.sup ? "suppressed" : d.m.cls}${u.status === "UNSTABLE" ? " unstable" : ""}`,
    role: "listitem", tabindex: 0, "aria-label": d.aria, "data-code": u.orgUnit.code,
    "data-value": d.sup || u.value == null ? "" : u.value, "data-status": u.status,
    "data-meets": u.meetsTarget == null ? "" : String(u.meetsTarget),
  };
}

function short(name, n) {
  return name.length > n ? name.slice(0, n - 1) + "…" : name;
}

function drawTiles(box, a, ind, title) {
  const layout = layoutFor(a);
  const drawn = new Set();
  if (!layout) {
    box.replaceChildren();
    return drawn;
  }
  const size = layout.cols > 6 ? 64 : 150, gap = 3;
  const W = layout.cols * (size + gap), H = layout.rows * (size + gap);
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "group", "aria-label": title, class: `tiles ${layout.cols > 6 ? "small" : "large"}` });
  svg.append(mapDefs());
  const list = el("g", { role: "list" });
  const data = tileData(a, ind);
  for (const u of [...a.units].sort((x, y) => x.orgUnit.name.localeCompare(y.orgUnit.name, "vi"))) {
    const pos = layout.tiles[u.orgUnit.code];
    if (!pos) continue;
    drawn.add(u.orgUnit.code);
    const d = data(u);
    const x = pos.col * (size + gap), y = pos.row * (size + gap);
    const g = el("g", markAttrs(u, d, "tile"));
    g.append(el("title", {}, d.aria));
    g.append(el("rect", { x, y, width: size, height: size, rx: 4, fill: d.fill, class: "cell" }));
    const big = size > 100;
    g.append(svgText(x + 4, y + (big ? 20 : 13), short(u.orgUnit.name, big ? 16 : 10), { class: "tile-name" }));
    g.append(svgText(x + 4, y + (big ? 48 : 32), d.sup ? d.text : d.text, { class: "tile-value" }));
    if (!d.sup) g.append(svgText(x + size - 4, y + size - 6, d.m.mark, { class: "tile-mark", "text-anchor": "end" }));
    list.append(g);
  }
  svg.append(list);
  box.replaceChildren(svg);
  return drawn;
}

// project is an equirectangular projection of the features' extent onto a
// drawing W wide: x by longitude shrunk by the cosine of the middle latitude.
function project(features, W) {
  const pts = [];
  const walk = (c) => (typeof c[0] === "number" ? pts.push(c) : c.forEach(walk));
  for (const f of features) walk(f.geometry.coordinates);
  const lons = pts.map((p) => p[0]), lats = pts.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
  const k = Math.cos((((y0 + y1) / 2) * Math.PI) / 180);
  const scale = (W - 20) / Math.max(1e-9, (x1 - x0) * k);
  const H = Math.max(40, Math.round((y1 - y0) * scale + 20));
  return { H, pt: ([lon, lat]) => [10 + (lon - x0) * k * scale, 10 + (y1 - lat) * scale] };
}

function pathOf(geometry, pt) {
  const rings = geometry.type === "Polygon" ? geometry.coordinates : geometry.type === "MultiPolygon" ? geometry.coordinates.flat() : [];
  return rings.map((r) => "M" + r.map((c) => pt(c).map((n) => n.toFixed(1)).join(",")).join("L") + "Z").join("");
}

// centre is the middle of a geometry's bounding box, where its name goes.
function centre(geometry, pt) {
  const xs = [], ys = [];
  const walk = (c) => (typeof c[0] === "number" ? (([x, y]) => { xs.push(x); ys.push(y); })(pt(c)) : c.forEach(walk));
  walk(geometry.coordinates);
  return [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
}

function featureCode(f) {
  return String(f.properties?.code ?? f.properties?.ma ?? f.id ?? "");
}

function drawBoundaries(box, a, ind, title) {
  const byCode = new Map(a.units.map((u) => [u.orgUnit.code, u]));
  const feats = boundaries.features.filter((f) => f.geometry && byCode.has(featureCode(f)));
  const drawn = new Set();
  if (!feats.length) {
    box.replaceChildren();
    return drawn;
  }
  const W = 760;
  const { H, pt } = project(feats, W);
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "group", "aria-label": title, class: "boundaries" });
  svg.append(mapDefs());
  const list = el("g", { role: "list" });
  const data = tileData(a, ind);
  for (const f of feats) {
    const u = byCode.get(featureCode(f));
    drawn.add(u.orgUnit.code);
    const d = data(u);
    const g = el("g", markAttrs(u, d, "area"));
    g.append(el("title", {}, d.aria));
    const path = el("path", { d: pathOf(f.geometry, pt), fill: d.fill, class: "cell" });
    g.append(path);
    const c = centre(f.geometry, pt);
    g.append(svgText(c[0], c[1], short(u.orgUnit.name, 14), { class: "area-name", "text-anchor": "middle" }));
    list.append(g);
  }
  svg.append(list);
  box.replaceChildren(svg);
  return drawn;
}
