package clickhouse

import (
	"slices"
	"strings"
	"testing"
	"time"

	"treem/internal/domain"
)

// TestCountQueryBindsValues: caller values travel as parameters, never in the
// SQL text, whatever they contain.
func TestCountQueryBindsValues(t *testing.T) {
	evil := "x') OR 1=1 --"
	m := time.Date(2021, 12, 1, 0, 0, 0, 0, time.UTC)
	q := CountQuery{Reads: []Read{{Measures: []string{evil}, Months: []time.Time{m}}}, District: evil, Communes: []string{evil},
		Sexes: []string{evil}, AgeBands: []string{evil, "0"}, Poverty: []string{evil}, Groups: []string{evil},
		Dims: []Dim{DimCommune, DimSex}}
	sql, args, err := q.build("fact_child_month")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sql, "OR 1=1") || strings.Count(sql, "?") != len(args) || len(args) != 9 {
		t.Fatalf("sql %q with %d args", sql, len(args))
	}
	want := "SELECT measure, month, unit_code, sex, sum(value), sum(ckey) FROM fact_child_month WHERE " +
		"((measure IN (?) AND month IN (?))) AND district_2021 = ? AND unit_code IN (?) AND sex IN (?) AND age_band IN (?, ?) " +
		"AND poverty IN (?) AND group_code IN (?) GROUP BY measure, month, unit_code, sex HAVING sum(value) != 0"
	if sql != want {
		t.Fatalf("sql\n%s\nwant\n%s", sql, want)
	}
	q.SumMonths = true
	if sql, _, _ = q.build("fact_child_month"); !strings.HasPrefix(sql, "SELECT measure, max(month), unit_code, sex, sum(value)") ||
		!strings.HasSuffix(sql, "GROUP BY measure, unit_code, sex HAVING sum(value) != 0") {
		t.Fatalf("summed months: %s", sql)
	}
	if _, _, err := (CountQuery{Dims: []Dim{"1; DROP TABLE x"}, Reads: q.Reads}).build("fact_child_month"); domain.ErrorCode(err) != domain.CodeInternal {
		t.Fatalf("unknown column: %v", err)
	}
	if _, _, err := (CountQuery{}).build("fact_child_month"); domain.ErrorCode(err) != domain.CodeInvalidInput {
		t.Fatalf("empty query: %v", err)
	}
}

// TestCoalesceReads: reads of the same months become one, in first-seen
// order, with each measure once; months are compared as days, in any order.
func TestCoalesceReads(t *testing.T) {
	day := func(y, m int) time.Time { return time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC) }
	dec24, dec25, jan25 := day(2024, 12), day(2025, 12), day(2025, 1)
	cases := []struct {
		name  string
		reads []Read
		want  []Read
	}{
		{"empty reads dropped", []Read{{Measures: []string{"a"}}, {Months: []time.Time{dec25}}}, nil},
		{"same months joined", []Read{{[]string{"a"}, []time.Time{dec25, dec24}}, {[]string{"b"}, []time.Time{dec24, dec25}}},
			[]Read{{[]string{"a", "b"}, []time.Time{dec24, dec25}}}},
		{"a measure once", []Read{{[]string{"a"}, []time.Time{dec25}}, {[]string{"a", "b"}, []time.Time{dec25, dec25}}},
			[]Read{{[]string{"a", "b"}, []time.Time{dec25}}}},
		{"other months kept apart", []Read{{[]string{"a"}, []time.Time{dec25}}, {[]string{"b"}, []time.Time{jan25, dec25}},
			{[]string{"c"}, []time.Time{dec25}}},
			[]Read{{[]string{"a", "c"}, []time.Time{dec25}}, {[]string{"b"}, []time.Time{jan25, dec25}}}},
		{"same day in another zone", []Read{{[]string{"a"}, []time.Time{dec25}}, {[]string{"b"}, []time.Time{dec25.In(time.FixedZone("ICT", 0))}}},
			[]Read{{[]string{"a", "b"}, []time.Time{dec25}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := coalesce(c.reads)
			if len(got) != len(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for i := range got {
				if !slices.Equal(got[i].Measures, c.want[i].Measures) ||
					!slices.EqualFunc(got[i].Months, c.want[i].Months, time.Time.Equal) {
					t.Fatalf("read %d: got %v, want %v", i, got[i], c.want[i])
				}
			}
		})
	}
}
