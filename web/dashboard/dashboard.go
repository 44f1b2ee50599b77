// Package dashboard serves the leadership dashboard: a static page (HTML, CSS and
// plain JavaScript drawing SVG charts) embedded in the binary. The page holds no
// data of its own; it reads everything through the public GraphQL API and the
// /export endpoints with the session the user signs in to (/auth/login), so it
// sees exactly what that user's role and area may see, under the same disclosure
// control.
package dashboard

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

// Prefix is the path the dashboard is mounted under.
const Prefix = "/dashboard"

//go:embed assets
var assets embed.FS

// Handler serves the dashboard at Prefix and Prefix+"/…". Mount it for both
// patterns, e.g. mux.Handle(dashboard.Prefix+"/", h) and mux.Handle(dashboard.Prefix, h).
func Handler() http.Handler {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		// The embedded tree is fixed at compile time; a missing directory is a build defect.
		panic(err)
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		rest, ok := strings.CutPrefix(r.URL.Path, Prefix)
		if !ok || (rest != "" && !strings.HasPrefix(rest, "/")) {
			http.NotFound(w, r)
			return
		}
		if rest == "" {
			// Relative asset URLs in index.html resolve only under the trailing slash.
			http.Redirect(w, r, Prefix+"/", http.StatusMovedPermanently)
			return
		}
		h := w.Header()
		// The page talks only to its own origin and runs only its own scripts: a
		// password typed into it can then leave the browser only towards this server.
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; "+
			"connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		// Assets change with every release and carry no version in their names.
		h.Set("Cache-Control", "no-cache")
		r2 := r.Clone(r.Context())
		r2.URL.Path = rest
		files.ServeHTTP(w, r2)
	})
}
