// The page's only way to data: POST /graphql and GET /export/…, with the session
// cookie the server set at sign-in (HttpOnly: this script never sees it). Every
// POST carries the session's CSRF token in X-CSRF-Token, as the server demands of
// a request made with the cookie. The CSRF token lives in this module's memory
// only; after a reload, GET /auth/session hands it out again.

let csrf = "";

// ApiError carries the API's error code (extensions.code) for the page to act on,
// and, for a refused sign-in after too many attempts, the seconds to wait.
export class ApiError extends Error {
  constructor(code, message, retryAfter = 0) {
    super(message);
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

// errorOf reads the API's error body of a failed answer.
async function errorOf(res) {
  let code = res.status === 401 ? "UNAUTHENTICATED" : res.status === 403 ? "FORBIDDEN" : "INTERNAL";
  let msg = `HTTP ${res.status}`;
  try {
    const b = await res.json();
    const e = b.errors?.[0];
    if (e) {
      msg = e.message;
      code = e.extensions?.code || code;
    }
  } catch { /* the body was not JSON: keep the status */ }
  return new ApiError(code, msg, Number(res.headers.get("Retry-After")) || 0);
}

async function send(url, init) {
  try {
    return await fetch(url, { credentials: "same-origin", ...init });
  } catch (e) {
    throw new ApiError("UNAVAILABLE", e.message);
  }
}

// signIn checks a username and a password; the server answers with the session
// (who, until when, its CSRF token) and sets the cookie.
export async function signIn(username, password) {
  const res = await send("/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw await errorOf(res);
  const s = await res.json();
  csrf = s.csrfToken;
  return s;
}

// currentSession is the cookie's session, or null when there is none (or it ended).
export async function currentSession() {
  const res = await send("/auth/session", { headers: { Accept: "application/json" } });
  if (res.status === 401) {
    csrf = "";
    return null;
  }
  if (!res.ok) throw await errorOf(res);
  const s = await res.json();
  csrf = s.csrfToken;
  return s;
}

// signOut ends the session on the server, which clears the cookie.
export async function signOut() {
  const res = await send("/auth/logout", { method: "POST", headers: { "X-CSRF-Token": csrf } });
  csrf = "";
  if (!res.ok && res.status !== 401) throw await errorOf(res);
}

// query runs a GraphQL operation and returns its data, or throws the first error:
// the panels show nothing partial.
export async function query(doc, variables = {}, retry = true) {
  const res = await send("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify({ query: doc, variables }),
  });
  // Only the CSRF check answers this page 403: another tab signed in again and
  // the cookie now belongs to a new session. Learn its token and ask once more.
  if (res.status === 403 && retry && (await currentSession())) return query(doc, variables, false);
  if (!res.ok) throw await errorOf(res);
  let body;
  try {
    body = await res.json();
  } catch {
    throw new ApiError("INTERNAL", `HTTP ${res.status}`);
  }
  if (body.errors && body.errors.length) {
    const e = body.errors[0];
    throw new ApiError(e.extensions?.code || "INTERNAL", e.message);
  }
  return body.data;
}

// download fetches /export/{table}.{format} with the session and saves the file.
export async function download(table, format, params) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) v.forEach((x) => qs.append(k, x));
    else if (v !== undefined && v !== null && v !== "") qs.set(k, v);
  }
  const res = await send(`/export/${table}.${format}?${qs}`, {});
  if (!res.ok) throw await errorOf(res);
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
