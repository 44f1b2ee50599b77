package dashboard

import (
	"io"
	"net/http"
	"net/http/httptest"
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
	for _, ref := range []string{"style.css", "app.js"} {
		if !strings.Contains(string(page), `"`+ref+`"`) {
			t.Fatalf("index.html does not load %s", ref)
		}
		if _, err := assets.ReadFile("assets/" + ref); err != nil {
			t.Errorf("%s is referenced but not embedded: %v", ref, err)
		}
	}
	app, _ := assets.ReadFile("assets/app.js")
	for _, mod := range []string{"./i18n.js", "./format.js", "./charts.js", "./api.js"} {
		if !strings.Contains(string(app), mod) {
			t.Errorf("app.js does not import %s", mod)
		}
		if _, err := assets.ReadFile("assets/" + strings.TrimPrefix(mod, "./")); err != nil {
			t.Errorf("%s is imported but not embedded: %v", mod, err)
		}
	}
}
