// Package dashboard serves the leadership dashboard: a static page (HTML, CSS and
// plain JavaScript drawing SVG charts) embedded in the binary. The page holds no
// data of its own; it reads everything through the public GraphQL API and the
// /export endpoints with the session the user signs in to (/auth/login), so it
// sees exactly what that user's role and area may see, under the same disclosure
// control.
package dashboard

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
)

// Prefix is the path the dashboard is mounted under.
const Prefix = "/dashboard"

//go:embed assets
var assets embed.FS

// BoundariesPath is where the page reads the units' boundaries (GeoJSON), under Prefix.
const BoundariesPath = "/boundaries.geojson"

// noBoundaries is the answer at BoundariesPath when none are configured: the
// page then draws its tile map only.
var noBoundaries = []byte(`{"type":"FeatureCollection","features":[]}`)

// Handler serves the dashboard at Prefix and Prefix+"/…". Mount it for both
// patterns, e.g. mux.Handle(dashboard.Prefix+"/", h) and mux.Handle(dashboard.Prefix, h).
func Handler() http.Handler {
	return HandlerWithBoundaries(nil)
}

// ParseBoundaries checks that raw is a GeoJSON FeatureCollection whose features
// are Polygons or MultiPolygons named by a unit code (properties.code), the
// form the page's map draws; the page matches codes to the API's units.
func ParseBoundaries(raw []byte) error {
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Type       string `json:"type"`
			Properties struct {
				Code json.RawMessage `json:"code"`
			} `json:"properties"`
			Geometry *struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(raw, &fc); err != nil {
		return fmt.Errorf("boundaries: not JSON: %w", err)
	}
	if fc.Type != "FeatureCollection" {
		return fmt.Errorf("boundaries: type %q, want FeatureCollection", fc.Type)
	}
	for i, f := range fc.Features {
		var code string
		if err := json.Unmarshal(f.Properties.Code, &code); err != nil || code == "" {
			return fmt.Errorf("boundaries: feature %d has no properties.code string", i)
		}
		if f.Geometry == nil || (f.Geometry.Type != "Polygon" && f.Geometry.Type != "MultiPolygon") {
			return fmt.Errorf("boundaries: feature %d (%s) is not a Polygon or MultiPolygon", i, code)
		}
	}
	return nil
}

// HandlerWithBoundaries is Handler serving boundaries (a GeoJSON document that
// ParseBoundaries accepts, or nil for none) at Prefix+BoundariesPath.
func HandlerWithBoundaries(boundaries []byte) http.Handler {
	if boundaries == nil {
		boundaries = noBoundaries
	}
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
		if rest == BoundariesPath {
			h.Set("Content-Type", "application/geo+json")
			if r.Method == http.MethodGet {
				_, _ = w.Write(boundaries)
			}
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = rest
		files.ServeHTTP(w, r2)
	})
}
