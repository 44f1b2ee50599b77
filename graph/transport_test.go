package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"treem/graph"
	"treem/internal/domain"
)

// exchange is one HTTP exchange with /graphql, as a GraphQL-over-HTTP client sees it.
type exchange struct {
	status      int
	contentType string
	header      http.Header
	body        map[string]json.RawMessage
	raw         string
}

func (e exchange) code() string {
	var errs []struct {
		Extensions struct{ Code string } `json:"extensions"`
	}
	_ = json.Unmarshal(e.body["errors"], &errs)
	if len(errs) == 0 {
		return ""
	}
	return errs[0].Extensions.Code
}

func (s *testServer) exchange(t *testing.T, method, accept, token string, body any, params url.Values) exchange {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	contentType := ""
	if body != nil {
		contentType = "application/json"
	}
	res, b := s.send(t, method, "/graphql?"+params.Encode(),
		map[string]string{"Content-Type": contentType, "Accept": accept, "Authorization": bearer(token)}, rd)
	e := exchange{status: res.StatusCode, contentType: res.Header.Get("Content-Type"), header: res.Header, raw: string(b)}
	if err := json.Unmarshal(b, &e.body); err != nil {
		t.Fatalf("body is not a JSON object: %d %q", res.StatusCode, b)
	}
	return e
}

const (
	graphqlResponse = "application/graphql-response+json"
	legacyJSON      = "application/json"
)

// TestGraphQLOverHTTP follows the GraphQL-over-HTTP spec case by case: the
// response's media type follows Accept, a request error has no data entry
// and is a 4xx under application/graphql-response+json but 200 under
// application/json, and a field error keeps 200 with its data.
func TestGraphQLOverHTTP(t *testing.T) {
	s := newServer(t)
	q := func(query string, vars map[string]any) map[string]any {
		return map[string]any{"query": query, "variables": vars}
	}
	const twoOps = "query A { me { subject } } query B { me { role } }"
	orgByVar := "query Org($c: String!) { orgUnit(code: $c) { code } }"
	deep := "{ orgUnit(code: \"75\") { " + strings.Repeat("parent { ", 20) + "code" + strings.Repeat(" }", 20) + " } }"
	tests := []struct {
		name, accept string
		body         map[string]any
		status       int
		media        string
		data         bool // a data entry
		code         string
	}{
		{"query", graphqlResponse, q("{ me { subject } }", nil), 200, graphqlResponse, true, ""},
		{"no Accept: the spec's default", "", q("{ nope }", nil), 400, graphqlResponse, false, "INVALID_INPUT"},
		{"wildcard", "*/*", q("{ me { subject } }", nil), 200, graphqlResponse, true, ""},
		{"the preferred of two", "application/json;q=0.5, application/graphql-response+json", q("{ nope }", nil), 400, graphqlResponse, false, "INVALID_INPUT"},
		{"legacy preferred", "application/graphql-response+json;q=0.1, application/json", q("{ nope }", nil), 200, legacyJSON, false, "INVALID_INPUT"},
		{"parse failure", graphqlResponse, q("{ me { subject ", nil), 400, graphqlResponse, false, "INVALID_INPUT"},
		{"parse failure, legacy", legacyJSON, q("{ me { subject ", nil), 200, legacyJSON, false, "INVALID_INPUT"},
		{"validation failure", graphqlResponse, q("{ nope }", nil), 400, graphqlResponse, false, "INVALID_INPUT"},
		{"validation failure, legacy", legacyJSON, q("{ nope }", nil), 200, legacyJSON, false, "INVALID_INPUT"},
		{"operation undetermined", graphqlResponse, q(twoOps, nil), 400, graphqlResponse, false, "INVALID_INPUT"},
		{"operation undetermined, legacy", legacyJSON, q(twoOps, nil), 200, legacyJSON, false, "INVALID_INPUT"},
		{"variable coercion", graphqlResponse, q(orgByVar, map[string]any{"c": nil}), 400, graphqlResponse, false, "INVALID_INPUT"},
		{"variable coercion, legacy", legacyJSON, q(orgByVar, map[string]any{"c": nil}), 200, legacyJSON, false, "INVALID_INPUT"},
		{"a limit of this server", graphqlResponse, q(deep, nil), 400, graphqlResponse, false, "TOO_COMPLEX"},
		{"field error", graphqlResponse, q("{ auditLog { pageInfo { hasNextPage } } }", nil), 200, graphqlResponse, true, "UNAUTHENTICATED"},
		{"field error, legacy", legacyJSON, q("{ auditLog { pageInfo { hasNextPage } } }", nil), 200, legacyJSON, true, "UNAUTHENTICATED"},
		{"nothing acceptable", "text/html", q("{ me { subject } }", nil), 406, legacyJSON, false, "INVALID_INPUT"},
		{"refused by q=0", "application/graphql-response+json;q=0", q("{ me { subject } }", nil), 406, legacyJSON, false, "INVALID_INPUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := s.exchange(t, http.MethodPost, tt.accept, "", tt.body, nil)
			_, hasData := e.body["data"]
			if e.status != tt.status || e.contentType != tt.media+"; charset=utf-8" || hasData != tt.data || e.code() != tt.code {
				t.Fatalf("%d %q data=%v code %q, want %d %q data=%v %q: %s",
					e.status, e.contentType, hasData, e.code(), tt.status, tt.media, tt.data, tt.code, trim(e.raw))
			}
			if e.header.Get("Cache-Control") != "no-store" {
				t.Fatalf("Cache-Control %q", e.header.Get("Cache-Control"))
			}
		})
	}
}

// TestMalformedRequests: a request that is not a GraphQL-over-HTTP request is
// a 4xx whatever it accepts, before any GraphQL work.
func TestMalformedRequests(t *testing.T) {
	s := newServer(t)
	post := func(contentType, body string) int {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Accept", legacyJSON)
		res, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for _, tt := range []struct {
		name, contentType, body string
		status                  int
	}{
		{"unsupported media type", "text/plain", `{"query":"{ me { subject } }"}`, http.StatusUnsupportedMediaType},
		{"no content type", "", `{"query":"{ me { subject } }"}`, http.StatusUnsupportedMediaType},
		{"JSON parse failure", "application/json", `{"query":`, http.StatusBadRequest},
		{"missing query", "application/json", `{"qeury":"{ me { subject } }"}`, http.StatusBadRequest},
		{"variables of the wrong shape", "application/json", `{"query":"{ me { subject } }","variables":[7]}`, http.StatusBadRequest},
	} {
		if got := post(tt.contentType, tt.body); got != tt.status {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.status)
		}
	}
	for _, params := range []url.Values{{}, {"operationName": {"A"}}, {"query": {"{ me { subject } }"}, "variables": {"[7]"}}} {
		if e := s.exchange(t, http.MethodGet, graphqlResponse, "", nil, params); e.status != http.StatusBadRequest || e.code() != "INVALID_INPUT" {
			t.Errorf("GET ?%s: %d %s", params.Encode(), e.status, e.raw)
		}
	}
}

// TestGetRunsQueriesOnly runs queries by GET, with variables and an operation
// name, and refuses a mutation with 405 and Allow: POST before running it.
func TestGetRunsQueriesOnly(t *testing.T) {
	s := newServer(t)
	officer := token(t, domain.RoleProvinceOfficer, "75")
	get := func(accept string, params url.Values) exchange {
		return s.exchange(t, http.MethodGet, accept, officer, nil, params)
	}
	e := get(graphqlResponse, url.Values{"query": {"query Org($c: String!) { orgUnit(code: $c) { code } } query Me { me { role } }"},
		"variables": {`{"c":"75"}`}, "operationName": {"Org"}})
	if e.status != http.StatusOK || string(e.body["data"]) != `{"orgUnit":{"code":"75"}}` {
		t.Fatalf("GET query: %d %s", e.status, e.raw)
	}
	const doc = `query Me { me { role } } mutation Sneak { updateChild(id: "1", input: {fullName: "X"}) { child { id } } }`
	for _, accept := range []string{graphqlResponse, legacyJSON} {
		e = get(accept, url.Values{"query": {doc}, "operationName": {"Sneak"}})
		if _, hasData := e.body["data"]; e.status != http.StatusMethodNotAllowed || e.header.Get("Allow") != "POST" || hasData ||
			e.code() != "INVALID_INPUT" {
			t.Fatalf("GET mutation (%s): %d Allow %q: %s", accept, e.status, e.header.Get("Allow"), e.raw)
		}
	}
	if strings.Contains(s.log.String(), "operation=Sneak") {
		t.Fatalf("a mutation sent by GET was run:\n%s", s.log.String())
	}
	if e = get(graphqlResponse, url.Values{"query": {doc}, "operationName": {"Me"}}); e.status != http.StatusOK ||
		string(e.body["data"]) != `{"me":{"role":"PROVINCE_OFFICER"}}` {
		t.Fatalf("GET of the document's query: %d %s", e.status, e.raw)
	}
}

// unwritable is an audit log that cannot append: personal data must be withheld.
type unwritable struct{ graph.Auditor }

func (unwritable) Append(context.Context, ...domain.AuditEntry) error {
	return errors.New("audit log down")
}

// TestWithheldAnswerHasNoData: an answer withheld because its reads could not
// be audited has no data entry, so under application/graphql-response+json
// it is not a 2xx.
func TestWithheldAnswerHasNoData(t *testing.T) {
	s, a := opsServer(t, withGraph(func(o *graph.Options) { o.Resolver.Auditor = unwritable{o.Resolver.Auditor} }))
	body := map[string]any{"query": `query($c: ID!) { child(id: $c) { fullName } }`,
		"variables": map[string]any{"c": a.children["Nguyễn Văn An"]}}
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	for accept, status := range map[string]int{graphqlResponse: http.StatusServiceUnavailable, legacyJSON: http.StatusOK} {
		e := s.exchange(t, http.MethodPost, accept, commune, body, nil)
		if _, hasData := e.body["data"]; e.status != status || hasData || e.code() != "UNAVAILABLE" || strings.Contains(e.raw, "Nguyễn") {
			t.Fatalf("%s: %d %s", accept, e.status, e.raw)
		}
	}
}
