// The page's only way to data: POST /graphql and GET /export/…, both with the
// bearer token the user pasted. The token lives in sessionStorage, never in a URL.

const TOKEN_KEY = "treem.token";

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY) || "",
  set: (t) => sessionStorage.setItem(TOKEN_KEY, t),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

// ApiError carries the API's error code (extensions.code) for the page to act on.
export class ApiError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

function authHeaders() {
  const t = token.get();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

// query runs a GraphQL operation and returns its data, or throws the first error:
// the panels show nothing partial.
export async function query(doc, variables = {}) {
  let res;
  try {
    res = await fetch("/graphql", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", ...authHeaders() },
      body: JSON.stringify({ query: doc, variables }),
    });
  } catch (e) {
    throw new ApiError("UNAVAILABLE", e.message);
  }
  let body;
  try {
    body = await res.json();
  } catch {
    throw new ApiError(res.status === 401 ? "UNAUTHENTICATED" : "INTERNAL", `HTTP ${res.status}`);
  }
  if (body.errors && body.errors.length) {
    const e = body.errors[0];
    throw new ApiError(e.extensions?.code || "INTERNAL", e.message);
  }
  if (!res.ok) throw new ApiError(res.status === 401 ? "UNAUTHENTICATED" : "INTERNAL", `HTTP ${res.status}`);
  return body.data;
}

// download fetches /export/{table}.{format} with the token and saves the file.
export async function download(table, format, params) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) v.forEach((x) => qs.append(k, x));
    else if (v !== undefined && v !== null && v !== "") qs.set(k, v);
  }
  const res = await fetch(`/export/${table}.${format}?${qs}`, { headers: authHeaders() });
  if (!res.ok) {
    let msg = `HTTP ${res.status}`;
    try {
      const b = await res.json();
      if (b.errors?.[0]) msg = b.errors[0].message;
      else if (b.error) msg = b.error;
    } catch { /* the body was not JSON: keep the status */ }
    throw new ApiError(res.status === 401 ? "UNAUTHENTICATED" : res.status === 403 ? "FORBIDDEN" : "INTERNAL", msg);
  }
  const blob = await res.blob();
  const cd = res.headers.get("Content-Disposition") || "";
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd);
  const name = m ? decodeURIComponent(m[1]) : `${table}-${[...qs.values()].join("-")}.${format}`;
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return name;
}

// claims decodes a JWT's payload for display only; the server alone validates it.
export function claims(t) {
  try {
    const p = t.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = decodeURIComponent([...atob(p)].map((c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0")).join(""));
    return JSON.parse(json);
  } catch {
    return null;
  }
}
