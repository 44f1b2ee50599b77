package clickhouse_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"treem/internal/clickhouse"
	"treem/internal/domain"
	"treem/internal/indicators"
	"treem/internal/period"
	"treem/internal/testdb"
)

// The national benchmarks ask the Reader what the analytics service would ask
// it for three questions, at the scale of the Ministry's warehouse (34
// provinces, 3,321 communes, ~25 M children) that scripts/bench-national.sh
// loads into the database named by TREEM_BENCH_NATIONAL_DB, read through the
// Distributed tables of that many shards when TREEM_BENCH_NATIONAL_SHARDED is
// set. The service
// itself answers one province, so the questions are put to the Reader, with
// the roll-up to provinces done in Go as the service rolls communes up. Each
// reports p50-ms and p99-ms over its b.N runs (-benchtime 100x).

// national is the loaded warehouse as the service would hold it between two
// loads: its units, read once per load, and the last month loaded.
type national struct {
	r          *clickhouse.Reader
	monthsTo   time.Time
	provinceOf map[string]string   // commune → province
	communesOf map[string][]string // province → its communes, by code
	provinces  []string
}

// nationalWarehouse connects to the loaded warehouse as the API's read-only
// user and reads its units, or skips the benchmark when none is named.
func nationalWarehouse(b *testing.B) *national {
	b.Helper()
	env := testdb.Env()
	db := env.Get("TREEM_BENCH_NATIONAL_DB", "")
	if db == "" {
		b.Skip("TREEM_BENCH_NATIONAL_DB is not set: run scripts/bench-national.sh")
	}
	ctx := context.Background()
	conn, err := clickhouse.Open(ctx, clickhouse.Options{Addr: env.Get("CLICKHOUSE_ADDR", ""), Database: db,
		User: env.Get("CLICKHOUSE_API_USER", ""), Password: env.Get("CLICKHOUSE_API_PASSWORD", "")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	n := &national{r: clickhouse.NewReader(conn), provinceOf: map[string]string{}, communesOf: map[string][]string{}}
	if s := env.Get("TREEM_BENCH_NATIONAL_SHARDED", ""); s != "" {
		shards, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("TREEM_BENCH_NATIONAL_SHARDED=%q is not a number of shards", s)
		}
		n.r = n.r.Sharded(shards)
	}
	asOf, err := n.r.AsOf(ctx)
	if err != nil {
		b.Fatal(err)
	}
	n.monthsTo = asOf.MonthsTo
	units, err := n.r.Units(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for _, u := range units {
		switch {
		case u.Level == "province":
			n.provinces = append(n.provinces, u.Code)
		case u.Level == "commune" && u.ValidTo.After(n.monthsTo):
			n.provinceOf[u.Code] = u.ParentCode
			n.communesOf[u.ParentCode] = append(n.communesOf[u.ParentCode], u.Code)
		}
	}
	if len(n.provinces) != 34 || len(n.provinceOf) < 3000 {
		b.Fatalf("%s holds %d provinces and %d communes, not the national shape", db, len(n.provinces), len(n.provinceOf))
	}
	return n
}

// percentiles runs question b.N times after one warm-up and reports the
// median and the 99th percentile (nearest rank) of its durations.
func percentiles(b *testing.B, question func(context.Context) error) {
	ctx := context.Background()
	if err := question(ctx); err != nil {
		b.Fatal(err)
	}
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if err := question(ctx); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(times)
	rank := func(p float64) time.Duration { return times[int(math.Ceil(p*float64(len(times))))-1] }
	b.ReportMetric(float64(rank(0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(rank(0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(0, "ns/op") // the percentiles say it; a mean would hide the tail
}

// indicator returns the catalogue's indicator id, whose numerator and
// denominator one query reads.
func indicator(b *testing.B, id string) *indicators.Indicator {
	ind, err := indicators.Default().Get(id)
	if err != nil {
		b.Fatal(err)
	}
	if ind.Denominator == nil || !slices.Equal(ind.Numerator.AgeBands, ind.Denominator.AgeBands) {
		b.Fatalf("%s: the benchmark reads numerator and denominator in one query, of the same age bands", id)
	}
	return ind
}

// provinceRates rolls commune counts up to provinces and returns num/den per
// province and period key.
func (n *national) provinceRates(rows []clickhouse.CountRow, num, den string, periodOf func(clickhouse.CountRow) string) (map[string]float64, error) {
	type key struct{ province, period string }
	nums, dens := map[key]uint64{}, map[key]uint64{}
	for _, row := range rows {
		p, ok := n.provinceOf[row.Keys[0]]
		if !ok {
			return nil, fmt.Errorf("commune %s is in no province", row.Keys[0])
		}
		k := key{p, periodOf(row)}
		switch row.Measure {
		case num:
			nums[k] += row.Value
		case den:
			dens[k] += row.Value
		}
	}
	out := map[string]float64{}
	for k, d := range dens {
		out[k.province+" "+k.period] = float64(nums[k]) / float64(d)
	}
	return out, nil
}

// BenchmarkNationalCompareUnits compares the 34 provinces on
// birth_registration_u5 in the last year loaded, with the year before for the
// change: the December stocks of both years by commune, in one query, rolled
// up to provinces and ranked.
func BenchmarkNationalCompareUnits(b *testing.B) {
	n := nationalWarehouse(b)
	ind := indicator(b, "birth_registration_u5")
	year := n.monthsTo.Year()
	months := []time.Time{time.Date(year-1, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(year, 12, 1, 0, 0, 0, 0, time.UTC)}
	percentiles(b, func(ctx context.Context) error {
		if _, err := n.r.AsOf(ctx); err != nil {
			return err
		}
		rows, err := n.r.Counts(ctx, clickhouse.CountQuery{
			Reads:    []clickhouse.Read{{Measures: []string{ind.Numerator.Measure, ind.Denominator.Measure}, Months: months}},
			AgeBands: ind.Numerator.AgeBands, Dims: []clickhouse.Dim{clickhouse.DimCommune},
		})
		if err != nil {
			return err
		}
		rates, err := n.provinceRates(rows, ind.Numerator.Measure, ind.Denominator.Measure,
			func(r clickhouse.CountRow) string { return r.Month.Format("2006") })
		if err != nil {
			return err
		}
		ranked := make([]string, 0, len(n.provinces))
		for _, p := range n.provinces {
			if _, ok := rates[p+" "+strconv.Itoa(year)]; ok {
				ranked = append(ranked, p)
			}
		}
		sort.Slice(ranked, func(i, j int) bool {
			return rates[ranked[i]+" "+strconv.Itoa(year)] > rates[ranked[j]+" "+strconv.Itoa(year)]
		})
		if len(ranked) != len(n.provinces) {
			return fmt.Errorf("%d of %d provinces have a value", len(ranked), len(n.provinces))
		}
		return nil
	})
}

// BenchmarkNationalTrend is the quarterly trend of injury_rate from the start
// of the history to the last month loaded in each of the 34 provinces: the
// injuries of every month and the children at every quarter's end by
// commune, in one query, rolled up to provinces and quarters.
func BenchmarkNationalTrend(b *testing.B) {
	n := nationalWarehouse(b)
	ind := indicator(b, "injury_rate")
	if m, _ := indicators.LookupMeasure(ind.Numerator.Measure); m.Aggregation != indicators.Flow || m.Distinct {
		b.Fatalf("%s: the benchmark adds the numerator's months up", ind.ID)
	}
	var months, quarterEnds []time.Time
	for m := domain.HistoryStart; !m.After(n.monthsTo); m = m.AddDate(0, 1, 0) {
		months = append(months, m)
		if m.Month()%3 == 0 {
			quarterEnds = append(quarterEnds, m)
		}
	}
	quarters := len(quarterEnds)
	percentiles(b, func(ctx context.Context) error {
		if _, err := n.r.AsOf(ctx); err != nil {
			return err
		}
		rows, err := n.r.Counts(ctx, clickhouse.CountQuery{
			Reads: []clickhouse.Read{{Measures: []string{ind.Numerator.Measure}, Months: months},
				{Measures: []string{ind.Denominator.Measure}, Months: quarterEnds}},
			AgeBands: ind.Numerator.AgeBands, Dims: []clickhouse.Dim{clickhouse.DimCommune},
		})
		if err != nil {
			return err
		}
		rates, err := n.provinceRates(rows, ind.Numerator.Measure, ind.Denominator.Measure,
			func(r clickhouse.CountRow) string { return period.Of(period.Quarter, r.Month).String() })
		if err != nil {
			return err
		}
		if len(rates) > quarters*len(n.provinces) || len(rates) < len(n.provinces) {
			return fmt.Errorf("%d province-quarters", len(rates))
		}
		return nil
	})
}

// criteria are the criterion rates of the child-friendly table as
// internal/analytics (criterionRates) reads them: numerator and denominator
// measures with their age bands.
var criteria = []struct {
	num, den indicators.Term
}{
	{indicators.Term{Measure: "birth_registered", AgeBands: []string{"0", "1-4"}}, indicators.Term{Measure: "children", AgeBands: []string{"0", "1-4"}}},
	{indicators.Term{Measure: "abused", AgeBands: indicators.ChildAgeBands}, indicators.Term{Measure: "children", AgeBands: indicators.ChildAgeBands}},
	{indicators.Term{Measure: "special_law_drug", AgeBands: indicators.ChildAgeBands}, indicators.Term{Measure: "children", AgeBands: indicators.ChildAgeBands}},
	{indicators.Term{Measure: "injured", AgeBands: indicators.ChildAgeBands}, indicators.Term{Measure: "children", AgeBands: indicators.ChildAgeBands}},
	{indicators.Term{Measure: "special_supported", AgeBands: indicators.ChildAgeBands}, indicators.Term{Measure: "special", AgeBands: indicators.ChildAgeBands}},
	{indicators.Term{Measure: "cases_6_2_timely"}, indicators.Term{Measure: "cases_6_2"}},
	{indicators.Term{Measure: "turned_one_immunised"}, indicators.Term{Measure: "turned_one"}},
	{indicators.Term{Measure: "underweight_u5"}, indicators.Term{Measure: "measured_u5"}},
	{indicators.Term{Measure: "stunted_u5"}, indicators.Term{Measure: "measured_u5"}},
	{indicators.Term{Measure: "checked_up", AgeBands: indicators.ChildAgeBands}, indicators.Term{Measure: "children", AgeBands: indicators.ChildAgeBands}},
	{indicators.Term{Measure: "preschool_5", AgeBands: []string{"5"}}, indicators.Term{Measure: "children", AgeBands: []string{"5"}}},
}

// BenchmarkNationalChildFriendly is the child-friendly table of the province
// with the most communes for the last year loaded: the commune facts of the
// year kept to the province's communes, and the December stocks and the
// year's flows of the criteria by commune and age band, in one query over
// those communes, added up into each commune's criterion rates. Scoring the
// rates against the table is Go arithmetic, left out.
func BenchmarkNationalChildFriendly(b *testing.B) {
	n := nationalWarehouse(b)
	province := n.provinces[0]
	for _, p := range n.provinces {
		if len(n.communesOf[p]) > len(n.communesOf[province]) {
			province = p
		}
	}
	communes := n.communesOf[province]
	year := n.monthsTo.Year()
	var months []time.Time
	for m := 1; m <= 12; m++ {
		months = append(months, time.Date(year, time.Month(m), 1, 0, 0, 0, 0, time.UTC))
	}
	var stocks, flows []string
	read := map[string]string{} // measure read → the term's (a distinct flow's year variant → the flow)
	for _, c := range criteria {
		for _, t := range []indicators.Term{c.num, c.den} {
			m, _ := indicators.LookupMeasure(t.Measure)
			name := m.Variant(period.Year)
			read[name] = m.Name
			switch {
			case m.Aggregation == indicators.Stock && !slices.Contains(stocks, name):
				stocks = append(stocks, name)
			case m.Aggregation != indicators.Stock && !slices.Contains(flows, name):
				flows = append(flows, name)
			}
		}
	}
	b.Logf("province %s: %d communes, year %d", province, len(communes), year)
	percentiles(b, func(ctx context.Context) error {
		if _, err := n.r.AsOf(ctx); err != nil {
			return err
		}
		facts, err := n.r.UnitYears(ctx, year, "")
		if err != nil {
			return err
		}
		assessed := 0
		for _, f := range facts {
			if n.provinceOf[f.UnitCode] == province && f.HasFacts {
				assessed++
			}
		}
		rows, err := n.r.Counts(ctx, clickhouse.CountQuery{
			Reads:    []clickhouse.Read{{Measures: stocks, Months: months[11:]}, {Measures: flows, Months: months}},
			Communes: communes, Dims: []clickhouse.Dim{clickhouse.DimCommune, clickhouse.DimAgeBand}, SumMonths: true,
		})
		if err != nil {
			return err
		}
		// counts[commune][measure][band]
		counts := map[string]map[string]map[string]uint64{}
		for _, r := range rows {
			c := counts[r.Keys[0]]
			if c == nil {
				c = map[string]map[string]uint64{}
				counts[r.Keys[0]] = c
			}
			m := read[r.Measure]
			if c[m] == nil {
				c[m] = map[string]uint64{}
			}
			c[m][r.Keys[1]] += r.Value
		}
		sum := func(commune string, t indicators.Term) uint64 {
			var v uint64
			for band, x := range counts[commune][t.Measure] {
				if len(t.AgeBands) == 0 || slices.Contains(t.AgeBands, band) {
					v += x
				}
			}
			return v
		}
		rates := map[string][]float64{}
		for _, commune := range communes {
			for _, c := range criteria {
				if den := sum(commune, c.den); den > 0 {
					rates[commune] = append(rates[commune], float64(sum(commune, c.num))/float64(den))
				}
			}
		}
		if assessed != len(communes) || len(rates) != len(communes) {
			return fmt.Errorf("%d of %d communes have facts, %d have criterion rates", assessed, len(communes), len(rates))
		}
		return nil
	})
}
