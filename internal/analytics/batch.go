package analytics

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/vikstrous/dataloadgen"

	"treem/internal/clickhouse"
)

// request is what the answers of one API request share: one reading of the
// latest load, and one warehouse query for count queries that differ only in
// what they read (a scorecard's aliases, one per indicator).
type request struct {
	loadOnce sync.Once
	asOf     AsOf
	ix       *unitIndex
	loadErr  error

	countsOnce sync.Once
	counts     *dataloadgen.Loader[string, []clickhouse.CountRow]
}

type requestKey struct{}

// WithRequest returns ctx for one API request (see request).
func WithRequest(ctx context.Context) context.Context {
	return context.WithValue(ctx, requestKey{}, &request{})
}

func requestFrom(ctx context.Context) *request {
	r, _ := ctx.Value(requestKey{}).(*request)
	return r
}

// countWait is how long the counts of a request gather before their queries:
// the aliases of one operation start together, within a millisecond or two.
const countWait = 3 * time.Millisecond

// countRows runs q, merged with the request's other queries of its shape
// when ctx carries a request. Queries that add their months up in the
// warehouse (SumMonths) run alone: merged, a measure's months of two queries
// would be added together.
func (s *Service) countRows(ctx context.Context, q clickhouse.CountQuery) ([]clickhouse.CountRow, error) {
	r := requestFrom(ctx)
	if r == nil || q.SumMonths {
		return s.wh.Counts(ctx, q)
	}
	key, err := json.Marshal(q)
	if err != nil {
		return nil, fmt.Errorf("encode count query: %w", err)
	}
	r.countsOnce.Do(func() {
		r.counts = dataloadgen.NewLoader(s.countsMerged, dataloadgen.WithWait(countWait))
	})
	return r.counts.Load(ctx, string(key))
}

// countsMerged answers count queries (JSON keys) with one warehouse query per
// shape: the same filters and breakdown, the reads of all of them. Each row of
// the merged answer is the row its own query would give (the same filters
// and groups), and each query gets back the rows of the measures and months
// it read.
func (s *Service) countsMerged(ctx context.Context, keys []string) ([][]clickhouse.CountRow, []error) {
	out, errs := make([][]clickhouse.CountRow, len(keys)), make([]error, len(keys))
	queries := make([]clickhouse.CountQuery, len(keys))
	byShape := map[string][]int{}
	var shapes []string // in first-seen order
	for i, k := range keys {
		if err := json.Unmarshal([]byte(k), &queries[i]); err != nil {
			errs[i] = fmt.Errorf("decode count query: %w", err)
			continue
		}
		shape := queries[i]
		shape.Reads = nil
		sk, _ := json.Marshal(shape) // it was just decoded from JSON
		if byShape[string(sk)] == nil {
			shapes = append(shapes, string(sk))
		}
		byShape[string(sk)] = append(byShape[string(sk)], i)
	}
	// The shapes' queries run side by side, as the queries they replace would.
	var wg sync.WaitGroup
	for _, sk := range shapes {
		idx := byShape[sk]
		wg.Go(func() {
			merged := queries[idx[0]]
			merged.Reads = nil
			for _, i := range idx {
				merged.Reads = append(merged.Reads, queries[i].Reads...)
			}
			rows, err := s.wh.Counts(ctx, merged)
			for _, i := range idx {
				if err != nil {
					errs[i] = err
					continue
				}
				out[i] = readBy(queries[i], rows)
			}
		})
	}
	wg.Wait()
	return out, errs
}

// readBy keeps the rows of the measures and months q reads.
func readBy(q clickhouse.CountQuery, rows []clickhouse.CountRow) []clickhouse.CountRow {
	type pair struct{ measure, month string }
	want := map[pair]bool{}
	for _, rd := range q.Reads {
		for _, m := range rd.Measures {
			for _, mo := range rd.Months {
				want[pair{m, mo.Format(time.DateOnly)}] = true
			}
		}
	}
	var out []clickhouse.CountRow
	for _, r := range rows {
		if want[pair{r.Measure, r.Month.Format(time.DateOnly)}] {
			out = append(out, r)
		}
	}
	return out
}
