package graph_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"treem/graph"
	"treem/internal/auth"
	"treem/internal/domain"
	"treem/internal/httpserver"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

// benchPage is the benchmarked request: a page of 50 children with their
// commune and its district, walking the list page after page.
const benchPage = `query($after: String) { children(first: 50, after: $after) {
  edges { node { id fullName birthDate commune { code name parent { code name } } } }
  pageInfo { endCursor hasNextPage } } }`

// BenchmarkChildrenPage50 measures requests/s and p50/p99 latency of benchPage
// through the whole HTTP stack, 16 clients at once, against the database named
// by TREEM_BENCH_DATABASE_URL (seeded with `treem seed`; scripts/bench-api.sh
// does both).
func BenchmarkChildrenPage50(b *testing.B) {
	srv := benchServer(b)
	for _, who := range benchOfficers() {
		b.Run(who.name, func(b *testing.B) {
			tok := benchToken(b, who.role, who.area)
			runClients(b, 16, func() func() {
				var after any
				return func() {
					cursor, more := fetchPage(b, srv, tok, after)
					if after = cursor; !more {
						after = nil
					}
				}
			})
		})
	}
}

// benchFiltered is a filtered first page as a list screen asks for it: 50
// children with their commune, and the total.
const benchFiltered = `query($filter: ChildFilter) { children(first: 50, filter: $filter) {
  totalCount edges { node { id fullName birthDate commune { code name } } } } }`

// BenchmarkChildrenSearch measures p50/p99 latency and requests/s of
// benchFiltered for a name search (TREEM_BENCH_NAMES, comma-separated, each
// for the province's and the district's officer) and for the circumstance
// filter TREEM_BENCH_CIRCUMSTANCE (default DISABLED, the largest group) of the
// district officer, with 1 client and with 16, on the database of
// BenchmarkChildrenPage50.
func BenchmarkChildrenSearch(b *testing.B) {
	srv := benchServer(b)
	names := strings.Split(cmp.Or(os.Getenv("TREEM_BENCH_NAMES"), "nguyen van khang,nguyen van"), ",")
	circumstance := cmp.Or(os.Getenv("TREEM_BENCH_CIRCUMSTANCE"), "DISABLED")
	type search struct {
		name   string
		filter map[string]any
		who    []benchOfficer
	}
	var searches []search
	for _, n := range names {
		searches = append(searches, search{"name=" + strings.ReplaceAll(n, " ", "_"), map[string]any{"nameContains": n}, benchOfficers()})
	}
	var district []benchOfficer
	for _, who := range benchOfficers() {
		if who.name == "district" {
			district = append(district, who)
		}
	}
	searches = append(searches, search{"circumstance=" + circumstance, map[string]any{"circumstance": circumstance}, district})
	for _, s := range searches {
		body, err := json.Marshal(map[string]any{"query": benchFiltered, "variables": map[string]any{"filter": s.filter}})
		if err != nil {
			b.Fatal(err)
		}
		for _, who := range s.who {
			tok := benchToken(b, who.role, who.area)
			for _, clients := range []int{1, 16} {
				b.Run(fmt.Sprintf("%s/%s/clients=%d", s.name, who.name, clients), func(b *testing.B) {
					runClients(b, clients, func() func() { return func() { fetchFiltered(b, srv, tok, body) } })
				})
			}
		}
	}
}

// benchServer serves the whole HTTP stack over TREEM_BENCH_DATABASE_URL, as
// the API's login.
func benchServer(b *testing.B) *httptest.Server {
	url := os.Getenv("TREEM_BENCH_DATABASE_URL")
	if url == "" {
		b.Fatal("TREEM_BENCH_DATABASE_URL is not set: run scripts/bench-api.sh")
	}
	ctx := context.Background()
	pool, err := postgres.Open(ctx, url, postgres.ProgramServe)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	units, err := postgres.NewUnitCache(ctx, pool, log) // as 'treem serve' does
	if err != nil {
		b.Fatal(err)
	}
	gql, err := graph.NewHandler(graph.Options{Log: log, Resolver: &graph.Resolver{Auditor: postgres.NewAuditLog(pool),
		Operational: graph.NewOperational(postgres.NewChildStore(pool), units)}})
	if err != nil {
		b.Fatal(err)
	}
	verifier, err := auth.NewVerifier(testSecret, testdb.Areas(b, pool), nil)
	if err != nil {
		b.Fatal(err)
	}
	h, err := httpserver.Handler(httpserver.Routes{GraphQL: gql},
		httpserver.Options{Log: log, Auth: verifier, Postgres: pool, Metrics: httpserver.NewMetrics()})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	srv.Client().Transport.(*http.Transport).MaxIdleConnsPerHost = 32
	return srv
}

type benchOfficer struct{ name, role, area string }

// benchOfficers are the province's officer and, when TREEM_BENCH_DISTRICT
// names a district, that district's.
func benchOfficers() []benchOfficer {
	out := []benchOfficer{{"province", string(domain.RoleProvinceOfficer), "75"}}
	if d := os.Getenv("TREEM_BENCH_DISTRICT"); d != "" {
		out = append(out, benchOfficer{"district", string(domain.RoleDistrictOfficer), d})
	}
	return out
}

func benchToken(b *testing.B, role, area string) string {
	tok, err := auth.Issue(testSecret, domain.User{Subject: "bench", Role: domain.Role(role), Area: area}, time.Hour, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	return tok
}

// runClients runs clients loops at once, each calling the request that
// newClient returns for it, and reports requests/s and p50/p99 latency.
func runClients(b *testing.B, clients int, newClient func() func()) {
	var mu sync.Mutex
	var lat []time.Duration
	// RunParallel starts parallelism × GOMAXPROCS goroutines, never fewer
	// than GOMAXPROCS: a single client runs as a plain loop.
	if clients == 1 {
		b.ResetTimer()
		start := time.Now()
		request := newClient()
		for range b.N {
			t0 := time.Now()
			request()
			lat = append(lat, time.Since(t0))
		}
		reportLatency(b, lat, time.Since(start))
		return
	}
	b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0))) // 16 on 2 cores: 8 × 2
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		request := newClient()
		var mine []time.Duration
		for pb.Next() {
			t0 := time.Now()
			request()
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	reportLatency(b, lat, time.Since(start))
}

func reportLatency(b *testing.B, lat []time.Duration, elapsed time.Duration) {
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// fetchFiltered posts body and fails the benchmark on an answer with errors
// or without a total.
func fetchFiltered(b *testing.B, srv *httptest.Server, tok string, body []byte) {
	res, err := post(srv, tok, body)
	if err != nil {
		b.Error(err)
		return
	}
	defer res.Body.Close()
	var out struct {
		Data struct {
			Children *struct{ TotalCount int }
		}
		Errors []json.RawMessage
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || len(out.Errors) > 0 || out.Data.Children == nil {
		b.Errorf("filtered page: status %d, errors %s, %v", res.StatusCode, out.Errors, err)
	}
}

func fetchPage(b *testing.B, srv *httptest.Server, tok string, after any) (any, bool) {
	body, _ := json.Marshal(map[string]any{"query": benchPage, "variables": map[string]any{"after": after}})
	res, err := post(srv, tok, body)
	if err != nil {
		b.Error(err)
		return nil, false
	}
	defer res.Body.Close()
	var out struct {
		Data struct {
			Children struct {
				Edges    []json.RawMessage
				PageInfo struct {
					EndCursor   *string
					HasNextPage bool
				}
			}
		}
		Errors []json.RawMessage
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || len(out.Errors) > 0 || len(out.Data.Children.Edges) == 0 {
		b.Errorf("page: status %d, %d edges, errors %s, %v", res.StatusCode, len(out.Data.Children.Edges), out.Errors, err)
		return nil, false
	}
	if out.Data.Children.PageInfo.EndCursor == nil {
		return nil, false
	}
	return *out.Data.Children.PageInfo.EndCursor, out.Data.Children.PageInfo.HasNextPage
}

// post sends a GraphQL request body with tok as the bearer token.
func post(srv *httptest.Server, tok string, body []byte) (*http.Response, error) {
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	return srv.Client().Do(req)
}
