package export

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"treem/internal/analytics"
	"treem/internal/domain"
	"treem/internal/httpserver"
)

// Analytics answers the questions exported (analytics.Service implements it).
type Analytics interface {
	CompareDistricts(ctx context.Context, indicator, period string) (*analytics.Comparison, error)
	CompareUnits(ctx context.Context, indicator, period, level, within string) (*analytics.UnitComparison, error)
	IndicatorValues(ctx context.Context, req analytics.IndicatorValuesRequest) (*analytics.IndicatorValuesAnswer, error)
	ChildFriendly(ctx context.Context, year int, district string) (*analytics.ChildFriendlyAnswer, error)
	Aggregate(ctx context.Context, measures []string, dims []analytics.Breakdown, f analytics.AggregateFilter) (*analytics.AggregateAnswer, error)
	Report(ctx context.Context, period string, now time.Time) (*analytics.Report, error)
	MinistryStatistics(ctx context.Context, period string) (*analytics.Statistics, error)
	SummaryReport(ctx context.Context, from, to int, orgUnit string) (*analytics.SummaryReport, error)
}

// Handler serves /export/{table}.csv and /export/{table}.xlsx for the
// tables compare-districts, compare-units, indicator-values,
// child-friendly-communes, aggregate, report, ministry-statistics and summary-report, and their notes at
// /export/{table}.notes.json with the same query (named in a Link header, rel="describedby", of the data).
// The query string carries the GraphQL query's arguments (lists repeat the
// parameter or separate values with commas). The caller is authenticated by
// the server (bearer token) before this handler runs; answers come from the
// same service as GraphQL, so the same disclosure control applies.
func Handler(a Analytics, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/export/")
		table, ext, ok := strings.Cut(name, ".")
		format := Format(ext)
		if !ok || (format != CSV && format != XLSX && format != Notes) {
			httpserver.WriteError(w, r, log, domain.Errorf(domain.CodeNotFound,
				"unknown export %q: use /export/{table}.csv, .xlsx or .notes.json", name))
			return
		}
		if a == nil {
			httpserver.WriteError(w, r, log, analytics.ErrNotConnected)
			return
		}
		if err := plainParams(r.URL.Query()); err != nil {
			httpserver.WriteError(w, r, log, err)
			return
		}
		t, err := answer(r, a, table)
		if err != nil {
			httpserver.WriteError(w, r, log, err)
			return
		}
		w.Header().Set("Content-Type", format.ContentType())
		if format != Notes {
			notes := url.URL{Path: strings.TrimSuffix(r.URL.Path, "."+ext) + "." + string(Notes), RawQuery: r.URL.RawQuery}
			w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="describedby"; type="%s"`, notes.String(), Notes.ContentType()))
			w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.%s"`, table, time.Now().UTC().Format("20060102"), format))
		}
		if err := Write(w, format, t); err != nil {
			log.Error("export write", "table", table, "format", format, "err", err)
		}
	})
}

func list(q url.Values, key string) []string {
	var out []string
	for _, v := range q[key] {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// plainParams refuses control characters in the query string, as the
// GraphQL endpoint does in string arguments: no export parameter is free text.
func plainParams(q url.Values) error {
	for key, vs := range q {
		for _, v := range vs {
			if r, bad := domain.ControlChar(v, false); bad {
				return domain.Invalid(key, "parameter %s holds the control character U+%04X", key, r)
			}
		}
	}
	return nil
}
