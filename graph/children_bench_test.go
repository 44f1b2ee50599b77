package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
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

	for _, who := range []struct{ name, role, area string }{
		{"province", string(domain.RoleProvinceOfficer), "75"},
		{"district", string(domain.RoleDistrictOfficer), os.Getenv("TREEM_BENCH_DISTRICT")},
	} {
		if who.area == "" {
			continue
		}
		b.Run(who.name, func(b *testing.B) {
			tok, err := auth.Issue(testSecret, domain.User{Subject: "bench", Role: domain.Role(who.role), Area: who.area}, time.Hour, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			var mu sync.Mutex
			var lat []time.Duration
			// RunParallel starts parallelism × GOMAXPROCS clients: 16 on 2 cores.
			b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				var after any
				var mine []time.Duration
				for pb.Next() {
					t0 := time.Now()
					cursor, more := fetchPage(b, srv, tok, after)
					mine = append(mine, time.Since(t0))
					if after = cursor; !more {
						after = nil
					}
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			elapsed := time.Since(start)
			slices.Sort(lat)
			b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

func fetchPage(b *testing.B, srv *httptest.Server, tok string, after any) (any, bool) {
	body, _ := json.Marshal(map[string]any{"query": benchPage, "variables": map[string]any{"after": after}})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := srv.Client().Do(req)
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
