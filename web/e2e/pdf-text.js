// pdfText reads the text of a PDF as Chromium prints it (page.pdf), with no
// dependency: the content streams are Flate-compressed (node:zlib inflates
// them) and their glyph codes turn into text through each font's ToUnicode
// map. It covers what Chromium writes (Type0 fonts with two-byte codes and
// simple fonts with one-byte codes), not PDF at large.
import { inflateSync } from "node:zlib";

// objects maps each object number to its dictionary text and decoded stream.
function objects(pdf) {
  const s = pdf.toString("latin1");
  const out = new Map();
  const re = /(\d+) 0 obj\b/g;
  let m;
  while ((m = re.exec(s))) {
    const start = m.index + m[0].length;
    const end = s.indexOf("endobj", start);
    if (end < 0) break;
    const body = s.slice(start, end);
    const si = body.indexOf("stream");
    let dict = body, stream = null;
    if (si >= 0 && /^stream\r?\n/.test(body.slice(si))) {
      dict = body.slice(0, si);
      const dataStart = si + (body[si + 6] === "\r" ? 8 : 7);
      const dataEnd = body.lastIndexOf("endstream");
      let data = Buffer.from(body.slice(dataStart, dataEnd).replace(/\r?\n$/, ""), "latin1");
      if (/\/FlateDecode/.test(dict)) {
        try { data = inflateSync(data); } catch { data = Buffer.alloc(0); }
      }
      stream = data.toString("latin1");
    }
    out.set(Number(m[1]), { dict, stream });
    re.lastIndex = end;
  }
  return out;
}

function hexToCodes(hex, width) {
  hex = hex.replace(/\s/g, "");
  if (hex.length % 2) hex += "0";
  const codes = [];
  for (let i = 0; i < hex.length; i += width * 2) codes.push(parseInt(hex.slice(i, i + width * 2), 16));
  return codes;
}

function utf16(hex) {
  const units = [];
  for (let i = 0; i + 4 <= hex.length; i += 4) units.push(parseInt(hex.slice(i, i + 4), 16));
  return String.fromCharCode(...units);
}

// cmap parses a ToUnicode map: code → text, and the width of its codes in bytes.
function cmap(text) {
  const map = new Map();
  const range = /begincodespacerange\s*<([0-9a-fA-F]+)>/.exec(text);
  const width = range ? range[1].length / 2 : 2;
  for (const block of text.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const [, c, u] of block[1].matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g)) map.set(parseInt(c, 16), utf16(u));
  }
  for (const block of text.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const [, a, b, rest] of block[1].matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F]+>)/g)) {
      const lo = parseInt(a, 16), hi = parseInt(b, 16);
      if (rest.startsWith("[")) {
        [...rest.matchAll(/<([0-9a-fA-F]+)>/g)].forEach(([, u], i) => map.set(lo + i, utf16(u)));
      } else {
        const first = utf16(rest.slice(1, -1));
        for (let c = lo; c <= hi; c++) map.set(c, first.slice(0, -1) + String.fromCharCode(first.charCodeAt(first.length - 1) + (c - lo)));
      }
    }
  }
  return { map, width };
}

function ref(dict, key) {
  const m = new RegExp(`/${key}\\s+(\\d+) 0 R`).exec(dict);
  return m ? Number(m[1]) : null;
}

// fontsOf maps a page's font resource names to their ToUnicode maps.
function fontsOf(page, objs) {
  let res = page.dict;
  const r = ref(res, "Resources");
  if (r !== null) res = objs.get(r)?.dict ?? "";
  let fontDict = "";
  const fr = ref(res, "Font");
  if (fr !== null) fontDict = objs.get(fr)?.dict ?? "";
  else fontDict = /\/Font\s*<<([\s\S]*?)>>/.exec(res)?.[1] ?? "";
  const fonts = new Map();
  for (const [, name, num] of fontDict.matchAll(/\/([^\s/<>\[\]()]+)\s+(\d+) 0 R/g)) {
    const font = objs.get(Number(num));
    const tu = font && ref(font.dict, "ToUnicode");
    fonts.set(name, tu !== null && tu !== undefined && objs.get(tu)?.stream ? cmap(objs.get(tu).stream) : null);
  }
  return fonts;
}

function literal(s) {
  // A PDF literal string: backslash escapes and octal codes.
  return s.replace(/\\([nrtbf()\\]|[0-7]{1,3})/g, (_, e) => ({ n: "\n", r: "\r", t: "\t", b: "\b", f: "\f" })[e] ??
    (/^[0-7]+$/.test(e) ? String.fromCharCode(parseInt(e, 8)) : e));
}

// show decodes one string operand with the current font.
function show(operand, font) {
  let codes;
  if (operand.startsWith("<")) codes = hexToCodes(operand.slice(1, -1), font?.width ?? 1);
  else codes = [...literal(operand.slice(1, -1))].map((c) => c.charCodeAt(0));
  return codes.map((c) => (font ? font.map.get(c) ?? "" : String.fromCharCode(c))).join("");
}

// pageText runs one content stream's text operators.
function pageText(content, fonts) {
  let font = null, out = "";
  const tokens = /\/([^\s/<>\[\]()]+)\s+[-\d.]+\s+Tf|(<[0-9a-fA-F\s]*>|\((?:\\.|[^\\)])*\))\s*Tj|\[((?:\\.|[^\]])*)\]\s*TJ|\bET\b|\bT\*/g;
  let m;
  while ((m = tokens.exec(content))) {
    if (m[1] !== undefined) font = fonts.get(m[1]) ?? null;
    else if (m[2] !== undefined) out += show(m[2], font);
    else if (m[3] !== undefined) {
      for (const part of m[3].matchAll(/<[0-9a-fA-F\s]*>|\((?:\\.|[^\\)])*\)|(-?[\d.]+)/g)) {
        if (part[1] !== undefined) { if (Number(part[1]) < -250) out += " "; } else out += show(part[0], font);
      }
    } else out += "\n";
  }
  return out;
}

// pdfText returns the text of each page, in order.
export function pdfText(pdf) {
  const objs = objects(pdf);
  const pages = [...objs.values()].filter((o) => /\/Type\s*\/Page\b(?!s)/.test(o.dict));
  return pages.map((p) => {
    const fonts = fontsOf(p, objs);
    const arr = /\/Contents\s*\[([^\]]*)\]/.exec(p.dict);
    const refs = arr ? [...arr[1].matchAll(/(\d+) 0 R/g)].map((x) => Number(x[1])) : [ref(p.dict, "Contents")].filter((x) => x !== null);
    return refs.map((r) => pageText(objs.get(r)?.stream ?? "", fonts)).join("\n").normalize("NFC");
  });
}
