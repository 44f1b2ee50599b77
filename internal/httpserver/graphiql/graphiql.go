// Package graphiql serves GraphiQL, the in-browser GraphQL editor, from files
// embedded in the binary (see README.md for their packages and licenses). The
// page loads nothing from another origin: it works without the internet, and
// its Content-Security-Policy lets a token typed into it go only to this
// server.
package graphiql

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

// Prefix is the path of the page's assets; the page itself is served at "/".
const Prefix = "/graphiql/"

//go:embed assets
var assets embed.FS

// csp admits this origin's scripts, styles and requests only. GraphiQL sets
// style attributes and draws icons from data: URLs.
const csp = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"

// Handler serves the page at "/" and its assets under Prefix; mount it for
// both, e.g. mux.Handle("GET /{$}", h) and mux.Handle("GET "+Prefix, h).
func Handler() http.Handler {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		// The embedded tree is fixed at compile time; a missing directory is a build defect.
		panic(err)
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" && (!strings.HasPrefix(r.URL.Path, Prefix) || strings.HasSuffix(r.URL.Path, "/")) {
			// Neither the page nor an asset: no directory listings.
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		// Assets change with the release and carry no version in their names.
		h.Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}
