// Plain SVG charts: ranked horizontal bars with reference lines, and a line chart.
// Every mark is focusable and labelled, so the charts read with a keyboard and a
// screen reader; the tables beside them carry the same numbers.

const NS = "http://www.w3.org/2000/svg";

function el(tag, attrs = {}, ...children) {
  const n = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) n.setAttribute(k, String(v));
  for (const c of children) n.append(c);
  return n;
}

function text(x, y, s, attrs = {}) {
  const t = el("text", { x, y, ...attrs });
  t.textContent = s;
  return t;
}

function defs() {
  return el("defs", {},
    el("pattern", { id: "hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
      el("rect", { width: 6, height: 6, fill: "#fff" }),
      el("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#8c959f", "stroke-width": 2 })));
}

// scale returns a domain [lo, hi] covering [min, max] whose quarters are round
// numbers, so that the four grid lines carry readable ticks.
function scale(min, max) {
  if (!(max > min)) max = min + 1;
  const p = 10 ** Math.floor(Math.log10((max - min) / 4));
  // The smallest round step whose four intervals reach max; 20p always does.
  for (const m of [1, 2, 2.5, 5, 10, 20]) {
    const step = m * p, lo = Math.floor(min / step) * step;
    if (lo + 4 * step >= max) return [lo, lo + 4 * step];
  }
  return [min, max];
}

// digitsFor is how many decimals the ticks of this grid step need.
function digitsFor(step) {
  for (let d = 0; d < 3; d++) if (Math.abs(step * 10 ** d - Math.round(step * 10 ** d)) < 1e-9) return d;
  return 3;
}

// textWidth estimates the width of a bold 12px label (the charts draw before layout).
function textWidth(s) {
  return s.length * 7.2;
}

// widthOf is the drawing width: the container's own, so text keeps its size on a phone.
function widthOf(container) {
  return Math.max(300, Math.round(container.clientWidth || 760));
}

// bars draws one bar per row ({code, name, value, status, label, aria, and optionally
// cls, an extra class, and mark, a glyph after the label}) in the given
// order, with vertical lines for the references ({value, label, cls}).
export function bars(container, { rows, refs, title, fmtTick }) {
  const W = widthOf(container), labelW = Math.min(170, Math.round(W * 0.3)), valueW = W < 500 ? 64 : 96;
  const rowH = 26, top = 34, bottom = 26;
  const plotW = W - labelW - valueW - 10;
  const H = top + rows.length * rowH + bottom;
  // Bars start at zero: their length is the value.
  const [, max] = scale(0, Math.max(0, ...rows.map((r) => r.value ?? 0), ...refs.map((r) => r.value ?? 0)));
  const x = (v) => labelW + (Math.max(0, v) / max) * plotW;
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "group", "aria-label": title });
  svg.append(defs());
  const grid = el("g", { class: "grid", "aria-hidden": "true" });
  const digits = digitsFor(max / 4);
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    grid.append(el("line", { x1: x(v), x2: x(v), y1: top - 4, y2: H - bottom }));
    grid.append(text(x(v), H - 8, fmtTick(v, digits), { "text-anchor": "middle" }));
  }
  svg.append(grid);
  const list = el("g", { role: "list" });
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const suppressed = r.status === "SUPPRESSED";
    const missing = suppressed || r.value === null || r.value === undefined;
    const g = el("g", {
      class: `bar ${suppressed ? "suppressed" : missing ? "missing" : r.status === "UNSTABLE" ? "unstable" : "ok"}${r.cls ? " " + r.cls : ""}`,
      role: "listitem", tabindex: 0, "aria-label": r.aria, "data-code": r.code,
      "data-value": missing ? "" : r.value, "data-status": r.status,
    });
    g.append(el("title", {}, r.aria));
    g.append(text(labelW - 8, y + rowH / 2 + 4, r.name, { "text-anchor": "end", class: "name" }));
    // A suppressed cell gets a small hatched stub, so it is seen as withheld, not as zero.
    const w = suppressed ? plotW * 0.04 : missing ? 0 : Math.max(1, x(r.value) - labelW);
    if (!missing || suppressed) g.append(el("rect", { class: "value", x: labelW, y: y + 4, width: w.toFixed(2), height: rowH - 8, rx: 2 }));
    g.append(text(labelW + w + 6, y + rowH / 2 + 4, r.label, { class: "label" }));
    // A mark (e.g. ✓ or ✗ for the target) says in a glyph what the bar's colour says.
    if (r.mark) g.append(text(labelW + w + 12 + textWidth(r.label), y + rowH / 2 + 4, r.mark, { class: "mark", "aria-hidden": "true" }));
    list.append(g);
  });
  svg.append(list);
  const refG = el("g", { class: "refs" });
  refs.forEach((ref, i) => {
    if (ref.value === null || ref.value === undefined) return;
    const xv = x(ref.value);
    refG.append(el("line", { class: `ref-${ref.cls}`, x1: xv, x2: xv, y1: top - 6, y2: H - bottom, "data-value": ref.value }));
    refG.append(text(xv, 12 + i * 13, ref.label, { class: `ref-${ref.cls}-label`, "text-anchor": xv + textWidth(ref.label) > W - 2 ? "end" : "start" }));
  });
  svg.append(refG);
  container.replaceChildren(svg);
}

// line draws points ({period, value, status, label, aria}) joined where consecutive
// values are known; suppressed points sit on the axis as hollow markers, never as zero.
export function line(container, { points, target, title, fmtTick, fmtPeriod }) {
  const W = widthOf(container), H = W < 500 ? 240 : 300, left = 56, right = 16, top = 20, bottom = 44;
  const plotW = W - left - right, plotH = H - top - bottom;
  const vals = [...points.map((p) => p.value), target?.value].filter((v) => v !== null && v !== undefined);
  const vmin = vals.length ? Math.min(...vals) : 0, vmax = Math.max(...vals, 0);
  // A line need not start at zero; it does when the values span more than half the range.
  const [min, max] = scale(vmin > vmax / 2 ? vmin - (vmax - vmin) * 0.2 : 0, vmax + (vmax - Math.min(vmin, vmax)) * 0.1);
  const step = points.length > 1 ? plotW / (points.length - 1) : 0;
  const x = (i) => left + (points.length > 1 ? i * step : plotW / 2);
  const y = (v) => top + plotH - ((v - min) / (max - min)) * plotH;
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "group", "aria-label": title });
  const grid = el("g", { class: "grid", "aria-hidden": "true" });
  const digits = digitsFor((max - min) / 4);
  for (let i = 0; i <= 4; i++) {
    const v = min + ((max - min) * i) / 4;
    grid.append(el("line", { x1: left, x2: W - right, y1: y(v), y2: y(v) }));
    grid.append(text(left - 6, y(v) + 4, fmtTick(v, digits), { "text-anchor": "end" }));
  }
  const every = Math.ceil(points.length / Math.max(2, Math.floor(plotW / 60)));
  points.forEach((p, i) => {
    if (i % every !== 0 && i !== points.length - 1) return;
    if (i !== points.length - 1 && points.length - 1 - i < every / 2) return; // too close to the last label
    const anchor = points.length > 1 && i === points.length - 1 ? "end" : i === 0 ? "start" : "middle";
    grid.append(text(x(i), H - bottom + 18, fmtPeriod(p.period), { "text-anchor": anchor }));
  });
  svg.append(grid);
  if (target && target.value !== null && target.value !== undefined) {
    svg.append(el("line", { class: "ref-target", x1: left, x2: W - right, y1: y(target.value), y2: y(target.value), "data-value": target.value }));
    svg.append(text(W - right, y(target.value) - 5, target.label, { class: "ref-target-label", "text-anchor": "end" }));
  }
  let d = "", pen = false;
  points.forEach((p, i) => {
    if (p.status === "SUPPRESSED" || p.value === null || p.value === undefined) { pen = false; return; }
    d += `${pen ? "L" : "M"}${x(i).toFixed(2)},${y(p.value).toFixed(2)} `;
    pen = true;
  });
  svg.append(el("path", { class: "line", d: d.trim(), "aria-hidden": "true" }));
  const list = el("g", { role: "list" });
  points.forEach((p, i) => {
    const suppressed = p.status === "SUPPRESSED";
    const missing = suppressed || p.value === null || p.value === undefined;
    const g = el("g", {
      class: `point ${suppressed ? "suppressed" : missing ? "missing" : p.status === "UNSTABLE" ? "unstable" : "ok"}`,
      role: "listitem", tabindex: 0, "aria-label": p.aria, "data-period": p.period,
      "data-value": missing ? "" : p.value, "data-status": p.status,
    });
    g.append(el("title", {}, p.aria));
    const cy = missing ? top + plotH : y(p.value);
    g.append(el("circle", { cx: x(i).toFixed(2), cy: cy.toFixed(2), r: 4.5 }));
    if (missing) {
      const anchor = x(i) + textWidth(p.label) / 2 > W ? "end" : x(i) - textWidth(p.label) / 2 < 0 ? "start" : "middle";
      g.append(text(x(i), cy - 8, p.label, { "text-anchor": anchor, class: "label" }));
    }
    list.append(g);
  });
  svg.append(list);
  container.replaceChildren(svg);
}
