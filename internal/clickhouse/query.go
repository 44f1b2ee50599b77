package clickhouse

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"treem/internal/domain"
)

// Reader answers analytics questions from the warehouse tables of the
// contract. Its SQL is built from a fixed set of fragments; every value from
// a caller is a bound parameter.
type Reader struct {
	conn   Conn
	shards int // the shards of a warehouse on a cluster, 0 on one server
}

// NewReader returns a Reader over conn.
func NewReader(conn Conn) *Reader { return &Reader{conn: conn} }

// Sharded returns a Reader of the same connection that reads the fact tables
// through their Distributed tables: the warehouse on a cluster of shards
// shards, read from any of them. Its answers are one server's, row for row.
func (r *Reader) Sharded(shards int) *Reader { return &Reader{conn: r.conn, shards: shards} }

// table names where the rows of a warehouse table are read: its Distributed
// table for a sharded table on a cluster.
func (r *Reader) table(name string) string {
	if r.shards > 0 && IsSharded(name) {
		return DistributedName(name)
	}
	return name
}

// AsOf names the data an answer comes from: the latest succeeded ETL run.
type AsOf struct {
	RunID      string
	FinishedAt time.Time
	Watermark  string
	MonthsTo   time.Time // the last month the run loaded
}

// AsOf returns the latest succeeded run, or a zero AsOf when none succeeded
// yet. On a cluster whose shards hold different loads it is UNAVAILABLE.
func (r *Reader) AsOf(ctx context.Context) (AsOf, error) {
	if err := r.shardsAgree(ctx); err != nil {
		return AsOf{}, err
	}
	const q = `SELECT run_id, finished_at, watermark, months_to FROM etl_runs FINAL
WHERE status = 'succeeded' ORDER BY finished_at DESC, run_id DESC LIMIT 1`
	rows, err := r.conn.Query(ctx, q)
	if err != nil {
		return AsOf{}, mapErr(ctx, err, "read etl_runs")
	}
	defer rows.Close()
	var a AsOf
	if rows.Next() {
		if err := rows.Scan(&a.RunID, &a.FinishedAt, &a.Watermark, &a.MonthsTo); err != nil {
			return AsOf{}, mapErr(ctx, err, "scan etl_runs")
		}
	}
	return a, mapErr(ctx, rows.Err(), "read etl_runs")
}

// shardsAgree checks, on a cluster, that every shard holds the same ETL
// generations: each live generation marker is on every shard. A run that
// stopped between two shards' swaps leaves one shard's new rows beside
// another's old ones, a mix no run ever loaded; nothing is answered from it
// until the next run rebuilds the shards.
func (r *Reader) shardsAgree(ctx context.Context) error {
	if r.shards < 2 {
		return nil
	}
	rows, err := r.conn.Query(ctx, `SELECT unit_code, sum(value) AS shards FROM `+r.table("fact_child_month")+`
WHERE measure = '' GROUP BY unit_code HAVING shards != 0`)
	if err != nil {
		return mapErr(ctx, err, "read the generation markers")
	}
	defer rows.Close()
	// Every row is read before any is judged: a shard that does not answer
	// is reported after the rows of those that did.
	var partial bool
	for rows.Next() {
		var marker string
		var on int64
		if err := rows.Scan(&marker, &on); err != nil {
			return mapErr(ctx, err, "read the generation markers")
		}
		partial = partial || on != int64(r.shards)
	}
	if err := rows.Err(); err != nil {
		return mapErr(ctx, err, "read the generation markers")
	}
	if partial {
		return domain.Errorf(domain.CodeUnavailable,
			"the analytics warehouse's shards hold different loads (an ETL run stopped between two shards): answers resume after the next ETL run")
	}
	return nil
}

// CheckLoadedShards refuses to read a warehouse the last succeeded run wrote
// to other shards than want (the cluster's, or one server's address): a
// single-server reader of one shard would answer from part of the units. One
// server reached at another address is the same server.
func (r *Reader) CheckLoadedShards(ctx context.Context, want []string) error {
	var got []string
	err := r.conn.QueryRow(ctx, `SELECT shards FROM etl_runs FINAL WHERE status = 'succeeded'
ORDER BY finished_at DESC, run_id DESC LIMIT 1`).Scan(&got)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return mapErr(ctx, err, "read etl_runs")
	case len(got) <= 1 && len(want) <= 1, slices.Equal(got, want):
		return nil
	}
	return domain.Errorf(domain.CodeInvalidInput,
		"the warehouse was last loaded on the shards %v, and this command reads %v: set CLICKHOUSE_CLUSTER to the cluster that run wrote, or run 'treem etl' on this setup first",
		got, want)
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
		return nil, mapErr(ctx, err, "read dim_unit")
	}
	defer rows.Close()
	var out []Unit
	for rows.Next() {
		var u Unit
		var approx, prov uint8
		if err := rows.Scan(&u.Code, &u.Name, &u.UnitType, &u.Level, &u.ParentCode, &u.District2021,
			&u.ValidFrom, &u.ValidTo, &approx, &prov); err != nil {
			return nil, mapErr(ctx, err, "scan dim_unit")
		}
		u.District2021Approx, u.Provisional = approx == 1, prov == 1
		out = append(out, u)
	}
	return out, mapErr(ctx, rows.Err(), "read dim_unit")
}

// Edge is a crosswalk edge of dim_unit_edge: on ToValidFrom the territory of
// one version went wholly ("full") or partly to another.
type Edge struct {
	FromCode      string    `ch:"from_code"`
	FromValidFrom time.Time `ch:"from_valid_from"`
	ToCode        string    `ch:"to_code"`
	ToValidFrom   time.Time `ch:"to_valid_from"`
	Relation      string    `ch:"relation"`
}

// Edges returns every edge of dim_unit_edge.
func (r *Reader) Edges(ctx context.Context) ([]Edge, error) {
	const q = `SELECT from_code, from_valid_from, to_code, to_valid_from, relation FROM dim_unit_edge
ORDER BY from_code, from_valid_from, to_code, to_valid_from`
	rows, err := r.conn.Query(ctx, q)
	if err != nil {
		return nil, mapErr(ctx, err, "read dim_unit_edge")
	}
	defer rows.Close()
	var out []Edge
	for rows.Next() {
		var e Edge
		if err := rows.ScanStruct(&e); err != nil {
			return nil, mapErr(ctx, err, "scan dim_unit_edge")
		}
		out = append(out, e)
	}
	return out, mapErr(ctx, rows.Err(), "read dim_unit_edge")
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
	District string   // a 2021 district code
	Communes []string // commune codes
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
	sql, args, err := q.build(r.table("fact_child_month"))
	if err != nil {
		return nil, err
	}
	// A runaway breakdown is stopped by the warehouse itself, within the
	// request's time: a query its caller gave up on would otherwise run on. The
	// limit is in the SQL because 18.16 misreads the driver's settings.
	rows, err := r.conn.Query(ctx, fmt.Sprintf("%s SETTINGS max_execution_time = %d", sql, secondsLeft(ctx)), args...)
	if err != nil {
		return nil, mapErr(ctx, err, "count query")
	}
	defer rows.Close()
	var out []CountRow
	for rows.Next() {
		row := CountRow{Keys: make([]string, len(q.Dims))}
		dest := []any{&row.Measure, &row.Month}
		for i := range row.Keys {
			dest = append(dest, &row.Keys[i])
		}
		var value int64
		dest = append(dest, &value, &row.CellKey)
		if err := rows.Scan(dest...); err != nil {
			return nil, mapErr(ctx, err, "scan counts")
		}
		if value < 0 {
			return nil, domain.Errorf(domain.CodeInternal, "the warehouse holds a negative count for %s in %s", row.Measure, row.Month.Format("2006-01"))
		}
		row.Value = uint64(value)
		out = append(out, row)
	}
	return out, mapErr(ctx, rows.Err(), "read counts")
}

// build writes the query over table, fact_child_month or its Distributed table.
func (q CountQuery) build(table string) (string, []any, error) {
	var where []string
	var args []any
	in := func(col string, vals []string) {
		where = append(where, col+" IN ("+placeholders(len(vals))+")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	var reads []string
	for _, rd := range coalesce(q.Reads) {
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
	if len(q.Communes) > 0 {
		in("unit_code", q.Communes)
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
	// Rows are counts and changes to them (the ETL's incremental runs): a
	// group whose rows add up to nothing is a cell that no longer exists.
	sql := "SELECT " + strings.Join(cols, ", ") + ", sum(value), sum(ckey) FROM " + table + " WHERE " + strings.Join(where, " AND ") +
		" GROUP BY " + strings.Join(group, ", ") + " HAVING sum(value) != 0"
	return sql, args, nil
}

// coalesce joins the reads of the same months into one, measures deduplicated,
// and drops empty ones: the warehouse finds its rows by one range of the
// primary key per read, and an OR of many reads of the same months made it
// scan far more than the rows asked for.
func coalesce(reads []Read) []Read {
	var out []Read
	byMonths := map[string]int{}
	for _, rd := range reads {
		if len(rd.Measures) == 0 || len(rd.Months) == 0 {
			continue
		}
		months := slices.Clone(rd.Months)
		slices.SortFunc(months, func(a, b time.Time) int { return a.Compare(b) })
		months = slices.CompactFunc(months, time.Time.Equal)
		var key strings.Builder
		for _, m := range months {
			key.WriteString(m.Format(time.DateOnly))
		}
		i, ok := byMonths[key.String()]
		if !ok {
			i = len(out)
			byMonths[key.String()] = i
			out = append(out, Read{Months: months})
		}
		for _, m := range rd.Measures {
			if !slices.Contains(out[i].Measures, m) {
				out[i].Measures = append(out[i].Measures, m)
			}
		}
	}
	return out
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// UnitYear is a commune's row of fact_unit_year.
type UnitYear struct {
	UnitCode                 string    `ch:"unit_code"`
	UnitValidFrom            time.Time `ch:"unit_valid_from"`
	District2021             string    `ch:"district_2021"`
	WorkerAssigned           bool      `ch:"worker_assigned"`
	Villages                 uint32    `ch:"villages"`
	VillagesWithCollaborator uint32    `ch:"villages_with_collaborator"`
	BoardMeetings            uint32    `ch:"board_meetings"`
	FundingVND               uint64    `ch:"funding_vnd"`
	PlayVenues               uint32    `ch:"play_venues"`
	ChildrenForums           uint32    `ch:"children_forums"`
	SurveyRespondents        uint32    `ch:"survey_respondents"`
	SurveySatisfied          uint32    `ch:"survey_satisfied"`
	Category                 string    `ch:"category"`
	ServicePoints            uint32    `ch:"service_points"`
	CommunicationActivities  uint32    `ch:"communication_activities"`
	TrainedCommuneOfficers   uint32    `ch:"trained_commune_officers"`
	RecommendationsDue       uint32    `ch:"recommendations_due"`
	RecommendationsOnTime    uint32    `ch:"recommendations_resolved_on_time"`
	ActionMonthEvents        uint32    `ch:"action_month_events"`
	ChildrenForumsHeld       uint32    `ch:"children_forums_held"`
	EventChildParticipants   uint32    `ch:"event_child_participants"`
	ForumRecsRaised          uint32    `ch:"forum_recommendations_raised"`
	ForumRecsDue             uint32    `ch:"forum_recommendations_due"`
	ForumRecsOnTime          uint32    `ch:"forum_recommendations_answered_on_time"`
	HasFacts                 bool      `ch:"has_facts"`
}

// UnitYears returns the commune facts of year, of one 2021 district when
// district is not empty.
func (r *Reader) UnitYears(ctx context.Context, year int, district string) ([]UnitYear, error) {
	return yearRows[UnitYear](ctx, r, "fact_unit_year", `unit_code, unit_valid_from, district_2021, worker_assigned,
villages, villages_with_collaborator, board_meetings, funding_vnd, play_venues, children_forums, survey_respondents,
survey_satisfied, category, service_points, communication_activities, trained_commune_officers, recommendations_due,
recommendations_resolved_on_time, action_month_events, children_forums_held, event_child_participants,
forum_recommendations_raised, forum_recommendations_due, forum_recommendations_answered_on_time, has_facts`, year, district)
}

// DistrictYear is a district's row of fact_district_year: the inspection
// recommendations made to the district itself.
type DistrictYear struct {
	UnitCode              string    `ch:"unit_code"`
	UnitValidFrom         time.Time `ch:"unit_valid_from"`
	District2021          string    `ch:"district_2021"`
	RecommendationsDue    uint32    `ch:"recommendations_due"`
	RecommendationsOnTime uint32    `ch:"recommendations_resolved_on_time"`
}

// DistrictYears returns the district facts of year, of one 2021 district
// when district is not empty.
func (r *Reader) DistrictYears(ctx context.Context, year int, district string) ([]DistrictYear, error) {
	return yearRows[DistrictYear](ctx, r, "fact_district_year",
		"unit_code, unit_valid_from, district_2021, recommendations_due, recommendations_resolved_on_time", year, district)
}

// yearRows reads columns of table's rows of year (of one 2021 district when
// district is not empty) into T by their ch tags, by unit version. table and
// columns are the callers' constants, never input.
func yearRows[T any](ctx context.Context, r *Reader, table, columns string, year int, district string) ([]T, error) {
	q := `SELECT ` + columns + ` FROM ` + r.table(table) + ` WHERE year = ?`
	args := []any{uint16(year)}
	if district != "" {
		q += " AND district_2021 = ?"
		args = append(args, district)
	}
	q += " ORDER BY unit_code, unit_valid_from"
	rows, err := r.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, mapErr(ctx, err, "read "+table)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var x T
		if err := rows.ScanStruct(&x); err != nil {
			return nil, mapErr(ctx, err, "scan "+table)
		}
		out = append(out, x)
	}
	return out, mapErr(ctx, rows.Err(), "read "+table)
}

// ChannelQuarter is the communication activities of one unit version on one
// channel in one quarter, as fact_channel_quarter holds them; CKey is the sum
// of their cell keys mod 2^32.
type ChannelQuarter struct {
	Quarter       uint8     `ch:"quarter"`
	UnitCode      string    `ch:"unit_code"`
	UnitValidFrom time.Time `ch:"unit_valid_from"`
	UnitLevel     string    `ch:"unit_level"`
	District2021  string    `ch:"district_2021"`
	Channel       string    `ch:"channel"`
	Activities    uint64    `ch:"activities"`
	ReachKnown    uint64    `ch:"reach_known"`
	Reach         uint64    `ch:"reach"`
	CKey          uint32    `ch:"ckey"`
}

// ChannelQuarters returns the communication activities of year per quarter,
// unit version and channel: the caller sums them by 2021 district or by the
// commune that holds each version's territory.
func (r *Reader) ChannelQuarters(ctx context.Context, year int) ([]ChannelQuarter, error) {
	var out []ChannelQuarter
	err := r.conn.Select(ctx, &out, `SELECT quarter, unit_code, unit_valid_from, unit_level, district_2021, channel,
  sum(activities) AS activities, sum(reach_known) AS reach_known, sum(reach) AS reach,
  toUInt32(sum(ckey) % 4294967296) AS ckey
FROM `+r.table("fact_channel_quarter")+` WHERE year = ?
GROUP BY quarter, unit_code, unit_valid_from, unit_level, district_2021, channel
ORDER BY quarter, unit_code, unit_valid_from, channel`, uint16(year))
	return out, mapErr(ctx, err, "read fact_channel_quarter")
}

// queryTimeout bounds one analytics query on the server.
const queryTimeout = 30 * time.Second

// secondsLeft is the time limit of a query in ctx, in whole seconds (at least
// one): queryTimeout, or the time left before the request's deadline.
func secondsLeft(ctx context.Context) int {
	limit := queryTimeout
	if dl, ok := ctx.Deadline(); ok {
		limit = min(limit, time.Until(dl))
	}
	return max(int(limit.Seconds()), 1)
}

// limitOf is the time limit that stopped a query in ctx, as the caller knows
// it: the request's own when that is the shorter.
func limitOf(ctx context.Context) time.Duration {
	if l := domain.RequestFrom(ctx).TimeLimit; l > 0 && l < queryTimeout {
		return l
	}
	return queryTimeout
}

// timeoutExceeded is ClickHouse's TIMEOUT_EXCEEDED exception code.
const timeoutExceeded = 159

// mapErr turns a warehouse error into a domain error: a query that ran out of
// its time is TOO_COMPLEX (the question asked too much; the warehouse is up),
// another server exception is a bug of ours (INTERNAL), and anything else
// (refused or broken connection) means the warehouse is unavailable. A query
// stopped by the request's own deadline keeps that cause, so that the answer
// names the request's time limit.
func mapErr(ctx context.Context, err error, what string) error {
	if err == nil {
		return nil
	}
	var ex *ch.Exception
	if errors.As(err, &ex) && ex.Code == timeoutExceeded {
		return domain.TooSlow(fmt.Errorf("%s: %w", what, err), limitOf(ctx))
	}
	if ctxErr := deadlineErr(ctx); ctxErr != nil {
		return fmt.Errorf("%s: %w: %w", what, ctxErr, err)
	}
	if errors.As(err, &ex) && shardUnreachable[ex.Code] {
		return domain.Wrap(fmt.Errorf("%s: %w", what, err), domain.CodeUnavailable, unreachableShard(ex.Message))
	}
	if errors.As(err, &ex) {
		return domain.Wrap(fmt.Errorf("%s: %w", what, err), domain.CodeInternal, "warehouse query failed")
	}
	return domain.Wrap(fmt.Errorf("%s: %w", what, err), domain.CodeUnavailable, "the analytics warehouse is unavailable")
}

// shardUnreachable are the codes of a server that could not reach another:
// a Distributed table's shard that is down. The answer is refused whole,
// never added up from the shards that answered.
var shardUnreachable = map[int32]bool{
	209: true, // SOCKET_TIMEOUT
	210: true, // NETWORK_ERROR
	279: true, // ALL_CONNECTION_TRIES_FAILED
}

// addrInMessage finds the host:port a ClickHouse network error names, as in
// "Connection refused (127.0.0.1:59001)", or "There is no table treem.x on
// server: 127.0.0.1:59001" (a shard not migrated).
var addrInMessage = regexp.MustCompile(`(?:\(|on server: )((?:[0-9A-Za-z.\-]+|\[[0-9A-Fa-f:.]+\]):[0-9]+)`)

// unreachableShard says which shard a Distributed query could not reach.
func unreachableShard(message string) string {
	if m := addrInMessage.FindStringSubmatch(message); m != nil {
		return "the analytics warehouse's shard at " + m[1] + " is unreachable: no partial answer is given"
	}
	return "a shard of the analytics warehouse is unreachable: no partial answer is given"
}

// deadlineErr is ctx's error, including in the instant after its deadline
// before ctx says so: the driver sets its reads' deadline to ctx's and may
// report the read timeout first.
func deadlineErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		return context.DeadlineExceeded
	}
	return nil
}

// Freshness reads the latest succeeded run; Found is false before the first.
func (r *Reader) Freshness(ctx context.Context) (domain.Freshness, error) {
	const q = `SELECT run_id, finished_at, snapshot_at, duration_ms, rows_read, rows_written, rejected FROM etl_runs FINAL
WHERE status = 'succeeded' ORDER BY finished_at DESC, run_id DESC LIMIT 1`
	rows, err := r.conn.Query(ctx, q)
	if err != nil {
		return domain.Freshness{}, mapErr(ctx, err, "read etl_runs")
	}
	defer rows.Close()
	var run struct {
		RunID       string    `ch:"run_id"`
		FinishedAt  time.Time `ch:"finished_at"`
		SnapshotAt  time.Time `ch:"snapshot_at"`
		DurationMS  uint64    `ch:"duration_ms"`
		RowsRead    string    `ch:"rows_read"`
		RowsWritten string    `ch:"rows_written"`
		Rejected    string    `ch:"rejected"`
	}
	if !rows.Next() {
		return domain.Freshness{}, mapErr(ctx, rows.Err(), "read etl_runs")
	}
	if err := rows.ScanStruct(&run); err != nil {
		return domain.Freshness{}, mapErr(ctx, err, "scan etl_runs")
	}
	var read, written map[string]int64
	f := domain.Freshness{Found: true, RunID: run.RunID, FinishedAt: run.FinishedAt, SnapshotAt: run.SnapshotAt,
		Duration: time.Duration(run.DurationMS) * time.Millisecond}
	for _, c := range []struct {
		text string
		into any
	}{{run.RowsRead, &read}, {run.RowsWritten, &written}, {run.Rejected, &f.Rejected}} {
		if err := json.Unmarshal([]byte(c.text), c.into); err != nil {
			return domain.Freshness{}, fmt.Errorf("clickhouse: run %s: counters %q: %w", run.RunID, c.text, err)
		}
	}
	f.RowsRead, f.CellsWritten = read["child_rows"], written["fact_child_month"]
	return f, nil
}

// Run is one ETL run's last state.
type Run struct {
	RunID      string    `ch:"run_id"`
	Status     string    `ch:"status"` // succeeded or failed
	FinishedAt time.Time `ch:"finished_at"`
	MonthsTo   time.Time `ch:"months_to"`
}

// LastRun returns the latest run that ended, succeeded or failed, or a zero
// Run when none has: a failure after the last success says the warehouse
// may be behind the source.
func (r *Reader) LastRun(ctx context.Context) (Run, error) {
	const q = `SELECT run_id, status, finished_at, months_to FROM etl_runs FINAL
WHERE status IN ('succeeded', 'failed') ORDER BY finished_at DESC, run_id DESC LIMIT 1`
	rows, err := r.conn.Query(ctx, q)
	if err != nil {
		return Run{}, mapErr(ctx, err, "read etl_runs")
	}
	defer rows.Close()
	var run Run
	if rows.Next() {
		if err := rows.ScanStruct(&run); err != nil {
			return Run{}, mapErr(ctx, err, "scan etl_runs")
		}
	}
	return run, mapErr(ctx, rows.Err(), "read etl_runs")
}
