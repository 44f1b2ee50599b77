package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"treem/internal/domain"
)

// Reader answers analytics questions from the warehouse tables of the
// contract. Its SQL is built from a fixed set of fragments; every value from
// a caller is a bound parameter.
type Reader struct {
	conn Conn
}

// NewReader returns a Reader over conn.
func NewReader(conn Conn) *Reader { return &Reader{conn: conn} }

// AsOf names the data an answer comes from: the latest succeeded ETL run.
type AsOf struct {
	RunID      string
	FinishedAt time.Time
	Watermark  string
}

// AsOf returns the latest succeeded run, or a zero AsOf when none succeeded yet.
func (r *Reader) AsOf(ctx context.Context) (AsOf, error) {
	const q = `SELECT run_id, finished_at, watermark FROM etl_runs FINAL
WHERE status = 'succeeded' ORDER BY finished_at DESC, run_id DESC LIMIT 1`
	rows, err := r.conn.Query(ctx, q)
	if err != nil {
		return AsOf{}, mapErr(err, "read etl_runs")
	}
	defer rows.Close()
	var a AsOf
	if rows.Next() {
		if err := rows.Scan(&a.RunID, &a.FinishedAt, &a.Watermark); err != nil {
			return AsOf{}, mapErr(err, "scan etl_runs")
		}
	}
	return a, mapErr(rows.Err(), "read etl_runs")
}

// Unit is one version of an org unit in dim_unit.
type Unit struct {
	Code, Name, UnitType, Level, ParentCode, District2021 string
	ValidFrom, ValidTo                                    time.Time
	District2021Approx, Provisional                       bool
}

// Units returns every unit version of dim_unit.
func (r *Reader) Units(ctx context.Context) ([]Unit, error) {
	const q = `SELECT code, name, unit_type, level, parent_code, district_2021, valid_from, valid_to,
district_2021_approx, provisional FROM dim_unit ORDER BY code, valid_from`
	rows, err := r.conn.Query(ctx, q)
	if err != nil {
		return nil, mapErr(err, "read dim_unit")
	}
	defer rows.Close()
	var out []Unit
	for rows.Next() {
		var u Unit
		var approx, prov uint8
		if err := rows.Scan(&u.Code, &u.Name, &u.UnitType, &u.Level, &u.ParentCode, &u.District2021,
			&u.ValidFrom, &u.ValidTo, &approx, &prov); err != nil {
			return nil, mapErr(err, "scan dim_unit")
		}
		u.District2021Approx, u.Provisional = approx == 1, prov == 1
		out = append(out, u)
	}
	return out, mapErr(rows.Err(), "read dim_unit")
}

// Dim is a breakdown column of fact_child_month.
type Dim string

// The breakdowns a count query may group by (besides measure and month).
const (
	DimDistrict Dim = "district_2021"
	DimCommune  Dim = "unit_code"
	DimSex      Dim = "sex"
	DimAgeBand  Dim = "age_band"
	DimGroup    Dim = "group_code"
	DimPoverty  Dim = "poverty"
)

func (d Dim) valid() bool {
	switch d {
	case DimDistrict, DimCommune, DimSex, DimAgeBand, DimGroup, DimPoverty:
		return true
	}
	return false
}

// Read asks for some measures in some months.
type Read struct {
	Measures []string
	Months   []time.Time
}

// CountQuery selects sums of fact_child_month.value. Empty filters mean all.
// Rows per circumstance group are read only when ByGroup or Groups is set;
// otherwise the rows with group_code ” (each child once).
type CountQuery struct {
	Reads    []Read
	District string // a 2021 district code
	Commune  string // a commune code
	Sexes    []string
	AgeBands []string
	Poverty  []string
	Groups   []string
	ByGroup  bool
	Dims     []Dim
	// SumMonths adds the months up in the warehouse: a row's Month is then
	// the latest month it covers (for callers whose reads fit one period).
	SumMonths bool
}

// CountRow is one sum: Keys follow the query's Dims; CellKey is the sum of
// the rows' cell keys (take it mod 2^32).
type CountRow struct {
	Measure string
	Month   time.Time
	Keys    []string
	Value   uint64
	CellKey uint64
}

// Counts runs q.
func (r *Reader) Counts(ctx context.Context, q CountQuery) ([]CountRow, error) {
	sql, args, err := q.build()
	if err != nil {
		return nil, err
	}
	// A runaway breakdown is stopped by the server, not only by the caller.
	ctx = ch.Context(ctx, ch.WithSettings(ch.Settings{"max_execution_time": queryTimeoutSeconds}))
	rows, err := r.conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, mapErr(err, "count query")
	}
	defer rows.Close()
	var out []CountRow
	for rows.Next() {
		row := CountRow{Keys: make([]string, len(q.Dims))}
		dest := []any{&row.Measure, &row.Month}
		for i := range row.Keys {
			dest = append(dest, &row.Keys[i])
		}
		dest = append(dest, &row.Value, &row.CellKey)
		if err := rows.Scan(dest...); err != nil {
			return nil, mapErr(err, "scan counts")
		}
		out = append(out, row)
	}
	return out, mapErr(rows.Err(), "read counts")
}

func (q CountQuery) build() (string, []any, error) {
	var where []string
	var args []any
	in := func(col string, vals []string) {
		where = append(where, col+" IN ("+placeholders(len(vals))+")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	var reads []string
	for _, rd := range q.Reads {
		if len(rd.Measures) == 0 || len(rd.Months) == 0 {
			continue
		}
		part := "(measure IN (" + placeholders(len(rd.Measures)) + ") AND month IN (" + placeholders(len(rd.Months)) + "))"
		reads = append(reads, part)
		for _, m := range rd.Measures {
			args = append(args, m)
		}
		for _, m := range rd.Months {
			args = append(args, m.Format(time.DateOnly))
		}
	}
	if len(reads) == 0 {
		return "", nil, domain.Errorf(domain.CodeInvalidInput, "nothing to count: no measure or month")
	}
	where = append(where, "("+strings.Join(reads, " OR ")+")")
	if q.District != "" {
		where = append(where, "district_2021 = ?")
		args = append(args, q.District)
	}
	if q.Commune != "" {
		where = append(where, "unit_code = ?")
		args = append(args, q.Commune)
	}
	for _, f := range []struct {
		col  string
		vals []string
	}{{"sex", q.Sexes}, {"age_band", q.AgeBands}, {"poverty", q.Poverty}} {
		if len(f.vals) > 0 {
			in(f.col, f.vals)
		}
	}
	switch {
	case len(q.Groups) > 0:
		in("group_code", q.Groups)
	case q.ByGroup:
		where = append(where, "group_code != ''")
	default:
		where = append(where, "group_code = ''")
	}
	group := []string{"measure", "month"}
	month := "month"
	if q.SumMonths {
		group, month = []string{"measure"}, "max(month)"
	}
	for _, d := range q.Dims {
		if !d.valid() {
			return "", nil, domain.Errorf(domain.CodeInternal, "unknown breakdown column %q", d)
		}
		group = append(group, string(d))
	}
	cols := append([]string{"measure", month}, group[len(group)-len(q.Dims):]...)
	sql := "SELECT " + strings.Join(cols, ", ") + ", sum(value), sum(ckey) FROM fact_child_month WHERE " + strings.Join(where, " AND ") +
		" GROUP BY " + strings.Join(group, ", ")
	return sql, args, nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// UnitYear is a commune's row of fact_unit_year.
type UnitYear struct {
	UnitCode                 string
	UnitValidFrom            time.Time
	District2021             string
	WorkerAssigned           bool
	Villages                 uint32
	VillagesWithCollaborator uint32
	BoardMeetings            uint32
	FundingVND               uint64
	PlayVenues               uint32
	ChildrenForums           uint32
	SurveyRespondents        uint32
	SurveySatisfied          uint32
	Category                 string
	ServicePoints            uint32
	CommunicationActivities  uint32
	HasFacts                 bool
}

// UnitYears returns the commune facts of year, of one 2021 district when
// district is not empty.
func (r *Reader) UnitYears(ctx context.Context, year int, district string) ([]UnitYear, error) {
	q := `SELECT unit_code, unit_valid_from, district_2021, worker_assigned, villages, villages_with_collaborator,
board_meetings, funding_vnd, play_venues, children_forums, survey_respondents, survey_satisfied, category,
service_points, communication_activities, has_facts FROM fact_unit_year WHERE year = ?`
	args := []any{uint16(year)}
	if district != "" {
		q += " AND district_2021 = ?"
		args = append(args, district)
	}
	q += " ORDER BY unit_code, unit_valid_from"
	rows, err := r.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, mapErr(err, "read fact_unit_year")
	}
	defer rows.Close()
	var out []UnitYear
	for rows.Next() {
		var u UnitYear
		var worker, has uint8
		if err := rows.Scan(&u.UnitCode, &u.UnitValidFrom, &u.District2021, &worker, &u.Villages,
			&u.VillagesWithCollaborator, &u.BoardMeetings, &u.FundingVND, &u.PlayVenues, &u.ChildrenForums,
			&u.SurveyRespondents, &u.SurveySatisfied, &u.Category, &u.ServicePoints, &u.CommunicationActivities,
			&has); err != nil {
			return nil, mapErr(err, "scan fact_unit_year")
		}
		u.WorkerAssigned, u.HasFacts = worker == 1, has == 1
		out = append(out, u)
	}
	return out, mapErr(rows.Err(), "read fact_unit_year")
}

// queryTimeoutSeconds bounds one analytics query on the server.
const queryTimeoutSeconds = 30

// timeoutExceeded is ClickHouse's TIMEOUT_EXCEEDED exception code.
const timeoutExceeded = 159

// mapErr turns a warehouse error into a domain error: a server exception is a
// bug of ours (INTERNAL) unless the query ran out of time; anything else
// (refused connection, timeout) means the warehouse is unavailable.
func mapErr(err error, what string) error {
	if err == nil {
		return nil
	}
	var ex *ch.Exception
	if errors.As(err, &ex) && ex.Code == timeoutExceeded {
		return domain.Wrap(fmt.Errorf("%s: %w", what, err), domain.CodeUnavailable, "the warehouse query took too long")
	}
	if errors.As(err, &ex) {
		return domain.Wrap(fmt.Errorf("%s: %w", what, err), domain.CodeInternal, "warehouse query failed")
	}
	return domain.Wrap(fmt.Errorf("%s: %w", what, err), domain.CodeUnavailable, "the analytics warehouse is unavailable")
}
