package httpserver

import (
	"net/http"
	"net/url"
	"strings"

	"treem/internal/domain"
)

// What an allowed origin's preflight is told. Authorization carries the
// bearer token. Credentials are never allowed, so another origin's script
// never sends or reads with the dashboard's session cookie; and the CSRF
// header is not among the allowed headers, so it could not change state
// with it either.
const (
	corsMethods = "GET, POST"
	corsHeaders = "Authorization, Content-Type, Accept, X-Request-ID"
	corsMaxAge  = "600" // seconds a browser may reuse a preflight's answer
)

// ParseOrigins reads a comma-separated list of exact origins
// (scheme://host[:port]) allowed to call the API from a browser, in the form
// browsers send them: lower case, without a default port. A wildcard, a path
// or a userinfo part is refused: an allowlist names its origins.
func ParseOrigins(list string) ([]string, error) {
	var origins []string
	for s := range strings.SplitSeq(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || strings.Contains(s, "*") {
			return nil, domain.Errorf(domain.CodeInvalidInput,
				"CORS origin %q: want an exact origin such as https://example.gov.vn or http://127.0.0.1:3000", s)
		}
		host := strings.ToLower(u.Host)
		if p := u.Port(); (u.Scheme == "http" && p == "80") || (u.Scheme == "https" && p == "443") {
			host = strings.ToLower(u.Hostname())
		}
		origins = append(origins, strings.ToLower(u.Scheme)+"://"+host)
	}
	return origins, nil
}

// cors serves browsers' cross-origin requests from the allowed origins only.
// A request without Origin (not from a browser script) or from the server's
// own origin passes untouched. A request or preflight from any other origin
// is refused FORBIDDEN before it reaches a handler, so it gets no data even
// where a browser would not enforce CORS. An allowed origin's preflight is
// answered here (it carries no token), and its requests are told they may
// read the answer.
func (e *edge) cors(next http.Handler) http.Handler {
	allowed := make(map[string]bool, len(e.o.CORSOrigins))
	for _, o := range e.o.CORSOrigins {
		allowed[o] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(allowed) > 0 {
			// Answers differ by origin: a cache must not hand one origin's to another.
			w.Header().Add("Vary", "Origin")
		}
		origin := r.Header.Get("Origin")
		if origin == "" || sameOrigin(r, origin) {
			next.ServeHTTP(w, r)
			return
		}
		if !allowed[origin] {
			e.o.Log.InfoContext(r.Context(), "cross-origin request refused", "request_id", domain.RequestFrom(r.Context()).ID,
				"origin", origin)
			writeError(w, domain.CodeForbidden, "requests from this origin are not allowed")
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", corsMethods)
			h.Set("Access-Control-Allow-Headers", corsHeaders)
			h.Set("Access-Control-Max-Age", corsMaxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", "X-Request-ID")
		next.ServeHTTP(w, r)
	})
}

// sameOrigin tells a browser's request from the server's own pages (GraphiQL,
// the dashboard), which sends Origin too: Sec-Fetch-Site says so (a page's
// script cannot set it), or Origin names the host the request was sent to.
func sameOrigin(r *http.Request, origin string) bool {
	if r.Header.Get("Sec-Fetch-Site") == "same-origin" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}
