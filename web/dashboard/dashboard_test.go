package dashboard

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	tests := []struct {
		name, method, path string
		status             int
		contentType        string
		body               string // a fragment the body must hold
		location           string
	}{
		{"page", "GET", "/dashboard/", 200, "text/html", `<script type="module" src="app.js">`, ""},
		{"no slash redirects", "GET", "/dashboard", 301, "", "", "/dashboard/"},
		{"script", "GET", "/dashboard/app.js", 200, "text/javascript", "compareDistricts(indicator: $indicator, period: $period)", ""},
		{"module", "GET", "/dashboard/charts.js", 200, "text/javascript", "export function bars", ""},
		{"styles", "GET", "/dashboard/style.css", 200, "text/css", "@media (max-width: 600px)", ""},
		{"strings", "GET", "/dashboard/i18n.js", 200, "text/javascript", "Dữ liệu tính đến", ""},
		{"head", "HEAD", "/dashboard/", 200, "text/html", "", ""},
		{"missing file", "GET", "/dashboard/nope.js", 404, "", "", ""},
		{"outside the prefix", "GET", "/dashboardx", 404, "", "", ""},
		{"the Go source is not served", "GET", "/dashboard/dashboard.go", 404, "", "", ""},
		{"post refused", "POST", "/dashboard/", 405, "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, srv.URL+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.contentType) {
				t.Errorf("Content-Type %q, want %q", ct, tc.contentType)
			}
			if !strings.Contains(string(body), tc.body) {
				t.Errorf("body does not hold %q", tc.body)
			}
			if tc.location != "" && res.Header.Get("Location") != tc.location {
				t.Errorf("Location %q, want %q", res.Header.Get("Location"), tc.location)
			}
			if tc.status == 200 {
				csp := res.Header.Get("Content-Security-Policy")
				if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "connect-src 'self'") {
					t.Errorf("Content-Security-Policy %q does not keep the page to its origin", csp)
				}
				if res.Header.Get("X-Content-Type-Options") != "nosniff" {
					t.Error("X-Content-Type-Options is not nosniff")
				}
			}
		})
	}
}

// TestPageReferencesExist checks that every asset index.html loads is embedded.
func TestPageReferencesExist(t *testing.T) {
	page, err := assets.ReadFile("assets/index.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"style.css", "views.css", "print.css", "app.js"} {
		if !strings.Contains(string(page), `"`+ref+`"`) {
			t.Fatalf("index.html does not load %s", ref)
		}
		if _, err := assets.ReadFile("assets/" + ref); err != nil {
			t.Errorf("%s is referenced but not embedded: %v", ref, err)
		}
	}
	app, _ := assets.ReadFile("assets/app.js")
	for _, mod := range []string{"./i18n.js", "./format.js", "./charts.js", "./api.js", "./views.js"} {
		if !strings.Contains(string(app), mod) {
			t.Errorf("app.js does not import %s", mod)
		}
		if _, err := assets.ReadFile("assets/" + strings.TrimPrefix(mod, "./")); err != nil {
			t.Errorf("%s is imported but not embedded: %v", mod, err)
		}
	}
}

// TestBoundaries checks the GeoJSON the map draws from: an empty collection
// without configuration, the configured file as given with it, and that a file
// the map cannot draw is refused at start.
func TestBoundaries(t *testing.T) {
	get := func(h http.Handler) (string, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", Prefix+BoundariesPath, nil))
		if rec.Code != 200 {
			t.Fatalf("status %d", rec.Code)
		}
		return rec.Header().Get("Content-Type"), rec.Body.String()
	}
	if ct, body := get(Handler()); ct != "application/geo+json" || body != string(noBoundaries) {
		t.Errorf("without boundaries: %s %s", ct, body)
	}
	raw, err := os.ReadFile("../e2e/testdata/boundaries.geojson")
	if err != nil {
		t.Fatal(err)
	}
	if err := ParseBoundaries(raw); err != nil {
		t.Fatalf("the browser test's boundaries are refused: %v", err)
	}
	if _, body := get(HandlerWithBoundaries(raw)); body != string(raw) {
		t.Error("the configured boundaries are not served as given")
	}
	for name, bad := range map[string]string{
		"not json":         `{`,
		"not a collection": `{"type":"Feature"}`,
		"no code":          `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[]}}]}`,
		"a point":          `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"731"},"geometry":{"type":"Point","coordinates":[1,2]}}]}`,
		"no geometry":      `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"731"},"geometry":null}]}`,
	} {
		if ParseBoundaries([]byte(bad)) == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestTilePositions checks the tile map's positions: every unit once, on the
// grid, no two on one tile, and 11 districts and 95 communes and wards.
func TestTilePositions(t *testing.T) {
	raw, err := assets.ReadFile("assets/tiles.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for layout, want := range map[string]int{"district": 11, "commune2025": 95} {
		var l struct {
			Rows, Cols int
			Tiles      map[string]struct{ Row, Col int }
		}
		if err := json.Unmarshal(doc[layout], &l); err != nil {
			t.Fatal(err)
		}
		if len(l.Tiles) != want {
			t.Errorf("%s: %d tiles, want %d", layout, len(l.Tiles), want)
		}
		seen := map[[2]int]string{}
		for code, p := range l.Tiles {
			if p.Row < 0 || p.Col < 0 || p.Row >= l.Rows || p.Col >= l.Cols {
				t.Errorf("%s %s: tile %d,%d is off the %dx%d grid", layout, code, p.Row, p.Col, l.Rows, l.Cols)
			}
			if other, ok := seen[[2]int{p.Row, p.Col}]; ok {
				t.Errorf("%s: %s and %s share a tile", layout, code, other)
			}
			seen[[2]int{p.Row, p.Col}] = code
		}
	}
}
