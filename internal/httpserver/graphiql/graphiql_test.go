package graphiql

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, path string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// TestPageLoadsOnlyItsOwnAssets fetches the page and every asset it names:
// each is served from the binary with its content type, and nothing points
// to another origin.
func TestPageLoadsOnlyItsOwnAssets(t *testing.T) {
	h := Handler()
	res, page := get(t, h, "/")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("/: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Fatalf("/ has no same-origin Content-Security-Policy: %q", res.Header.Get("Content-Security-Policy"))
	}
	if strings.Contains(page, "//") {
		t.Fatalf("the page names another origin:\n%s", page)
	}
	refs := regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(page, -1)
	want := map[string]string{".js": "text/javascript", ".css": "text/css"}
	kinds := map[string]int{}
	for _, m := range refs {
		path := m[1]
		if !strings.HasPrefix(path, Prefix) {
			t.Errorf("asset %q is not under %s", path, Prefix)
			continue
		}
		res, body := get(t, h, path)
		ext := path[strings.LastIndex(path, "."):]
		if res.StatusCode != http.StatusOK || len(body) == 0 || !strings.HasPrefix(res.Header.Get("Content-Type"), want[ext]) {
			t.Errorf("%s: %d, %d bytes, %q", path, res.StatusCode, len(body), res.Header.Get("Content-Type"))
		}
		kinds[ext]++
	}
	// React, ReactDOM, GraphiQL and its start; GraphiQL's style and the page's.
	if kinds[".js"] != 4 || kinds[".css"] != 2 {
		t.Fatalf("the page names %v assets", kinds)
	}
}

func TestNoListingsOrStrayPaths(t *testing.T) {
	h := Handler()
	for _, path := range []string{Prefix, Prefix + "nope.js", "/index.html", "/assets/index.html"} {
		if res, _ := get(t, h, path); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, res.StatusCode)
		}
	}
}
