// Number and period formatting for the two interface languages.
import { strings } from "./i18n.js";

const locales = { vi: "vi-VN", en: "en-GB" };

// unit returns the suffix of an indicator value with this factor.
export function unit(factor, lang) {
  switch (factor) {
    case 100: return "%";
    case 1000: return "‰";
    case 100000: return lang === "vi" ? "/100.000" : "/100,000";
    default: return "";
  }
}

// Building an Intl.NumberFormat costs far more than using one, and a table of
// 170 communes formats thousands of cells: keep one per language and precision.
const formats = new Map();

// number formats x with the given fraction digits ("" for null).
export function number(x, lang, digits = 0) {
  if (x === null || x === undefined) return "";
  const key = `${lang}/${digits}`;
  let nf = formats.get(key);
  if (!nf) {
    nf = new Intl.NumberFormat(locales[lang], { minimumFractionDigits: digits, maximumFractionDigits: digits });
    formats.set(key, nf);
  }
  return nf.format(x);
}

// value formats an indicator value: one decimal for rates, none for plain counts.
export function value(x, factor, lang) {
  if (x === null || x === undefined) return "";
  const digits = factor > 1 ? 1 : 0;
  const u = unit(factor, lang);
  return number(x, lang, digits) + (u ? (u === "%" || u === "‰" ? " " + u : " " + u) : "");
}

// signed formats a difference with an explicit sign.
export function signed(x, factor, lang) {
  if (x === null || x === undefined) return "";
  const s = value(Math.abs(x), factor, lang);
  return (x > 0 ? "+" : x < 0 ? "−" : "±") + s;
}

// period renders a period code (2021, 2021-H1, 2021-Q3, 2021-03) for people.
export function period(code, lang) {
  const t = strings[lang];
  let m;
  if ((m = /^(\d{4})-H([12])$/.exec(code))) return t.half(+m[1], +m[2]);
  if ((m = /^(\d{4})-Q([1-4])$/.exec(code))) return t.quarter(+m[1], +m[2]);
  if ((m = /^(\d{4})-(\d{2})$/.exec(code))) return t.month(+m[1], +m[2]);
  return code;
}

// shortPeriod is period for chart axes.
export function shortPeriod(code) {
  let m;
  if ((m = /^(\d{4})-(\d{2})$/.exec(code))) return `${m[2]}/${m[1].slice(2)}`;
  return code;
}

// timestamp renders an ISO timestamp in Vietnam's time zone: dd/mm/yyyy HH:mm in
// Vietnamese, the English locale's own form in English.
export function timestamp(iso, lang) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  if (lang === "vi") return `${date(iso, lang)} ${parts(d, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }, "hour")}:${parts(d, { minute: "2-digit" }, "minute")}`;
  return d.toLocaleString(locales[lang], { timeZone: "Asia/Ho_Chi_Minh", dateStyle: "medium", timeStyle: "short" });
}

// date renders the day of an ISO timestamp or date in Vietnam's time zone:
// dd/mm/yyyy in Vietnamese, e.g. 3 Dec 2026 in English.
export function date(iso, lang) {
  if (!iso) return "";
  const d = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? new Date(`${iso}T12:00:00+07:00`) : new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  if (lang === "vi") {
    const p = (o, k) => parts(d, o, k);
    return `${p({ day: "2-digit" }, "day")}/${p({ month: "2-digit" }, "month")}/${p({ year: "numeric" }, "year")}`;
  }
  return d.toLocaleDateString(locales[lang], { timeZone: "Asia/Ho_Chi_Minh", dateStyle: "medium" });
}

function parts(d, opts, kind) {
  const v = new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Ho_Chi_Minh", ...opts }).formatToParts(d).find((x) => x.type === kind)?.value ?? "";
  return kind === "minute" ? v.padStart(2, "0") : v;
}

// periodsOf lists the periods of a type from the first year to the last, newest first.
export function periodsOf(type, firstYear, lastYear, lastMonth) {
  const out = [];
  for (let y = lastYear; y >= firstYear; y--) {
    switch (type) {
      case "YEAR": out.push(String(y)); break;
      case "HALF_YEAR": for (let h = 2; h >= 1; h--) if (y < lastYear || (h - 1) * 6 < lastMonth) out.push(`${y}-H${h}`); break;
      case "QUARTER": for (let q = 4; q >= 1; q--) if (y < lastYear || (q - 1) * 3 < lastMonth) out.push(`${y}-Q${q}`); break;
      case "MONTH": for (let m = 12; m >= 1; m--) if (y < lastYear || m <= lastMonth) out.push(`${y}-${String(m).padStart(2, "0")}`); break;
    }
  }
  return out;
}
