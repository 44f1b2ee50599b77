package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"treem/internal/civil"
	"treem/internal/domain"
	"treem/internal/extract"
)

// ETLSnapshot is one REPEATABLE READ READ ONLY transaction: everything a run
// counts comes from the one state of the store it sees.
type ETLSnapshot struct {
	src  *ETLSource
	tx   pgx.Tx
	mark extract.Mark
}

// BeginSnapshot opens the run's snapshot.
func (s *ETLSession) BeginSnapshot(ctx context.Context) (extract.Snapshot, error) {
	tx, err := s.src.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, domain.Wrap(err, domain.CodeUnavailable, "postgres is unreachable")
	}
	snap := &ETLSnapshot{src: s.src, tx: tx}
	var asOf time.Time
	err = tx.QueryRow(ctx, `SELECT pg_current_snapshot()::text, now(),
		(now() AT TIME ZONE '`+domain.VietnamZoneName+`')::date`).Scan(&snap.mark.Watermark, &snap.mark.At, &asOf)
	if err != nil {
		snap.Close()
		return nil, etlError("read snapshot", err)
	}
	snap.mark.AsOf = civil.DayFromTime(asOf)
	return snap, nil
}

// Close ends the snapshot: it only read, so early is better for Postgres.
func (s *ETLSnapshot) Close() { _ = s.tx.Rollback(context.Background()) }

// Mark returns the snapshot's watermark, time and date.
func (s *ETLSnapshot) Mark() extract.Mark { return s.mark }

// unitRow is one org unit version with its parent's code and its 2021 district.
type unitRow struct {
	ID           int32      `db:"id"`
	Code         string     `db:"code"`
	ValidFrom    time.Time  `db:"valid_from"`
	ValidTo      *time.Time `db:"valid_to"`
	Name         string     `db:"name"`
	UnitType     string     `db:"unit_type"`
	Level        string     `db:"level"`
	ParentCode   string     `db:"parent_code"`
	District2021 string     `db:"district_2021"`
	Approx       bool       `db:"approx"`
	Provisional  bool       `db:"provisional"`
}

func (r unitRow) toExtract() extract.Unit {
	u := extract.Unit{ID: r.ID, Code: r.Code, ValidFrom: civil.DayFromTime(r.ValidFrom), ValidTo: civil.NoDay, Name: r.Name,
		UnitType: r.UnitType, Level: r.Level, ParentCode: r.ParentCode, District2021: r.District2021, Approx: r.Approx,
		Provisional: r.Provisional}
	if r.ValidTo != nil {
		u.ValidTo = civil.DayFromTime(*r.ValidTo)
	}
	return u
}

// etlUnitsSQL reads every unit version with its parent's code and its 2021
// district (the org-unit view implementing the code-keeper rule).
const etlUnitsSQL = `
SELECT DISTINCT ON (u.id) u.id, u.code, u.valid_from, u.valid_to, u.name, u.unit_type, u.level::text AS level,
       coalesce(p.code, '') AS parent_code,
       CASE u.level WHEN 'district' THEN u.code WHEN 'commune' THEN coalesce(d.code, '') ELSE '' END AS district_2021,
       coalesce(v.approximate, false) AS approx, u.provisional
FROM org_unit u
LEFT JOIN org_unit p ON p.id = u.parent_id
LEFT JOIN unit_district_2021 v ON v.unit_id = u.id
LEFT JOIN org_unit d ON d.id = v.district_unit_id
ORDER BY u.id, v.approximate`

type edgeRow struct {
	From      int32     `db:"from_unit_id"`
	To        int32     `db:"to_unit_id"`
	Effective time.Time `db:"effective"`
	Relation  string    `db:"relation"`
}

func (r edgeRow) toExtract() extract.Edge {
	return extract.Edge{From: r.From, To: r.To, Effective: civil.DayFromTime(r.Effective), Relation: r.Relation}
}

// Units returns every org unit version and the crosswalk edges between them.
func (s *ETLSnapshot) Units(ctx context.Context) ([]extract.Unit, []extract.Edge, error) {
	units, err := queryRows(ctx, s.tx, byName(unitRow.toExtract), etlUnitsSQL)
	if err != nil {
		return nil, nil, etlError("read org units", err)
	}
	edges, err := queryRows(ctx, s.tx, byName(edgeRow.toExtract),
		`SELECT from_unit_id, to_unit_id, effective, relation FROM unit_crosswalk WHERE from_unit_id IS NOT NULL`)
	if err != nil {
		return nil, nil, etlError("read crosswalk", err)
	}
	return units, edges, nil
}

// Groups returns the circumstance group codes by number.
func (s *ETLSnapshot) Groups(ctx context.Context) ([]string, error) {
	groups, err := queryRows(ctx, s.tx, pgx.RowTo[string], `SELECT code FROM circumstance_group ORDER BY number`)
	if err != nil {
		return nil, etlError("read circumstance groups", err)
	}
	return groups, nil
}

// unitYearRow is one commune version's year as fact_unit_year holds it.
type unitYearRow struct {
	Year                     int32  `db:"year"`
	UnitID                   int32  `db:"unit_id"`
	WorkerAssigned           bool   `db:"worker_assigned"`
	Villages                 int32  `db:"villages"`
	VillagesWithCollaborator int32  `db:"villages_with_collaborator"`
	BoardMeetings            int32  `db:"board_meetings"`
	FundingVND               int64  `db:"funding_vnd"`
	PlayVenues               int32  `db:"play_venues"`
	ChildrenForums           int32  `db:"children_forums"`
	SurveyRespondents        int32  `db:"survey_respondents"`
	SurveySatisfied          int32  `db:"survey_satisfied"`
	Category                 string `db:"category"`
	ServicePoints            int64  `db:"service_points"`
	CommunicationActivities  int64  `db:"communication_activities"`
	TrainedCommuneOfficers   int64  `db:"trained_commune_officers"`
	RecommendationsDue       int64  `db:"recommendations_due"`
	RecommendationsOnTime    int64  `db:"recommendations_resolved_on_time"`
	ActionMonthEvents        int64  `db:"action_month_events"`
	ChildrenForumsHeld       int64  `db:"children_forums_held"`
	EventChildParticipants   int64  `db:"event_child_participants"`
	ForumRecsRaised          int64  `db:"forum_recommendations_raised"`
	ForumRecsDue             int64  `db:"forum_recommendations_due"`
	ForumRecsOnTime          int64  `db:"forum_recommendations_answered_on_time"`
	HasFacts                 bool   `db:"has_facts"`
}

func (r unitYearRow) toExtract() extract.UnitYear {
	return extract.UnitYear{Year: uint16(r.Year), UnitID: r.UnitID, WorkerAssigned: r.WorkerAssigned,
		Villages: uint32(r.Villages), VillagesWithCollaborator: uint32(r.VillagesWithCollaborator),
		BoardMeetings: uint32(r.BoardMeetings), FundingVND: uint64(r.FundingVND), PlayVenues: uint32(r.PlayVenues),
		ChildrenForums: uint32(r.ChildrenForums), SurveyRespondents: uint32(r.SurveyRespondents),
		SurveySatisfied: uint32(r.SurveySatisfied), Category: r.Category, ServicePoints: uint32(r.ServicePoints),
		CommunicationActivities: uint32(r.CommunicationActivities), TrainedCommuneOfficers: uint32(r.TrainedCommuneOfficers),
		RecommendationsDue: uint32(r.RecommendationsDue), RecommendationsOnTime: uint32(r.RecommendationsOnTime), ActionMonthEvents: uint32(r.ActionMonthEvents),
		ChildrenForumsHeld: uint32(r.ChildrenForumsHeld), EventChildParticipants: uint32(r.EventChildParticipants),
		ForumRecsRaised: uint32(r.ForumRecsRaised), ForumRecsDue: uint32(r.ForumRecsDue), ForumRecsOnTime: uint32(r.ForumRecsOnTime),
		HasFacts: r.HasFacts}
}

// unitYearSQL aggregates in Postgres: one row per commune version and year it
// was in force, from $1 to $2. An inspection recommendation counts in the
// year it fell due, for the commune it was made to; those made to districts
// (before July 2025) have no commune row and go to fact_district_year
// (districtYearSQL). Children's events
// and forum recommendations count for the commune that held the event; those
// of districts and the province have no commune row either.
const unitYearSQL = `
WITH years AS (
  SELECT y::int AS year FROM generate_series($1::int, $2::int) y
), versions AS (
  SELECT u.id, y.year FROM org_unit u
  JOIN years y ON u.valid_from <= make_date(y.year, 12, 31) AND (u.valid_to IS NULL OR u.valid_to > make_date(y.year, 1, 1))
  WHERE u.level = 'commune'
), sp AS (
  SELECT v.id, v.year, count(*) AS n FROM versions v
  JOIN service_point s ON s.unit_id = v.id AND s.deleted_at IS NULL
   AND s.opened_on <= make_date(v.year, 12, 31) AND (s.closed_on IS NULL OR s.closed_on >= make_date(v.year, 1, 1))
  GROUP BY v.id, v.year
), ca AS (
  SELECT unit_id AS id, extract(year FROM held_on)::int AS year, count(*) AS n
  FROM communication_activity WHERE deleted_at IS NULL GROUP BY 1, 2
), tr AS (
  -- Trainees count toward the commune version they came from, in the year the course started.
  SELECT p.unit_id AS id, extract(year FROM c.starts_on)::int AS year, sum(p.female + p.male) AS n
  FROM training_participant p JOIN training_course c ON c.id = p.course_id AND c.deleted_at IS NULL
  WHERE p.officer_role = 'commune_officer' GROUP BY 1, 2
), rec AS (
  SELECT unit_id AS id, extract(year FROM due_on)::int AS year, count(*) AS due,
         count(*) FILTER (WHERE resolved_on <= due_on) AS on_time
  FROM inspection_recommendation WHERE deleted_at IS NULL GROUP BY 1, 2
), ev AS (
  -- Events count toward the commune version that held them, in the year they started.
  SELECT e.unit_id AS id, extract(year FROM e.starts_on)::int AS year,
         count(*) FILTER (WHERE e.kind = 'action_month') AS action_month,
         count(*) FILTER (WHERE e.kind = 'children_forum') AS forums,
         coalesce(sum(p.n), 0) AS children
  FROM children_event e
  LEFT JOIN (SELECT event_id, sum(female + male) AS n FROM children_event_participant GROUP BY 1) p ON p.event_id = e.id
  WHERE e.deleted_at IS NULL GROUP BY 1, 2
), fr AS (
  -- A forum's recommendations: raised in the year of its last day, due in the year of their due day.
  SELECT r.unit_id AS id, y.year,
         count(*) FILTER (WHERE extract(year FROM r.raised_on) = y.year) AS raised,
         count(*) FILTER (WHERE extract(year FROM r.due_on) = y.year) AS due,
         count(*) FILTER (WHERE extract(year FROM r.due_on) = y.year AND r.answered_on <= r.due_on) AS on_time
  FROM forum_recommendation r JOIN children_event e ON e.id = r.event_id AND e.deleted_at IS NULL
  JOIN years y ON y.year IN (extract(year FROM r.raised_on), extract(year FROM r.due_on))
  WHERE r.deleted_at IS NULL GROUP BY 1, 2
)
SELECT v.year, v.id AS unit_id, coalesce(f.worker_assigned, false) AS worker_assigned, coalesce(f.villages, 0) AS villages,
       coalesce(f.villages_with_collaborator, 0) AS villages_with_collaborator,
       coalesce(f.board_meetings, 0) AS board_meetings, coalesce(f.funding_vnd, 0) AS funding_vnd,
       coalesce(f.play_venues, 0) AS play_venues, coalesce(f.children_forums, 0) AS children_forums,
       coalesce(f.survey_respondents, 0) AS survey_respondents, coalesce(f.survey_satisfied, 0) AS survey_satisfied,
       coalesce(f.category, '') AS category, coalesce(sp.n, 0) AS service_points, coalesce(ca.n, 0) AS communication_activities,
       coalesce(tr.n, 0) AS trained_commune_officers,
       coalesce(rec.due, 0) AS recommendations_due, coalesce(rec.on_time, 0) AS recommendations_resolved_on_time,
       coalesce(ev.action_month, 0) AS action_month_events, coalesce(ev.forums, 0) AS children_forums_held,
       coalesce(ev.children, 0) AS event_child_participants, coalesce(fr.raised, 0) AS forum_recommendations_raised,
       coalesce(fr.due, 0) AS forum_recommendations_due, coalesce(fr.on_time, 0) AS forum_recommendations_answered_on_time,
       f.unit_id IS NOT NULL AS has_facts
FROM versions v
LEFT JOIN commune_facts f ON f.unit_id = v.id AND f.year = v.year AND f.deleted_at IS NULL
LEFT JOIN sp ON sp.id = v.id AND sp.year = v.year
LEFT JOIN ca ON ca.id = v.id AND ca.year = v.year
LEFT JOIN tr ON tr.id = v.id AND tr.year = v.year
LEFT JOIN rec ON rec.id = v.id AND rec.year = v.year
LEFT JOIN ev ON ev.id = v.id AND ev.year = v.year
LEFT JOIN fr ON fr.id = v.id AND fr.year = v.year
ORDER BY v.year, v.id`

// UnitYears returns one row per commune version and year it was in force,
// from first to last.
func (s *ETLSnapshot) UnitYears(ctx context.Context, first, last int) ([]extract.UnitYear, error) {
	out, err := queryRows(ctx, s.tx, byName(unitYearRow.toExtract), unitYearSQL, first, last)
	if err != nil {
		return nil, etlError("extract unit years", err)
	}
	return out, nil
}

// districtYearRow is one district version's year as fact_district_year holds it.
type districtYearRow struct {
	Year                  int32 `db:"year"`
	UnitID                int32 `db:"unit_id"`
	RecommendationsDue    int64 `db:"recommendations_due"`
	RecommendationsOnTime int64 `db:"recommendations_resolved_on_time"`
}

func (r districtYearRow) toExtract() extract.DistrictYear {
	return extract.DistrictYear{Year: uint16(r.Year), UnitID: r.UnitID, RecommendationsDue: uint32(r.RecommendationsDue),
		RecommendationsOnTime: uint32(r.RecommendationsOnTime)}
}

// districtYearSQL counts the recommendations made to districts like
// unitYearSQL counts the communes': in the year they fell due, on time when
// resolved on or before that day. Only years with one due get a row. The
// province is never inspected (planInspection takes districts, then
// communes), so only districts are read.
const districtYearSQL = `
SELECT extract(year FROM r.due_on)::int AS year, r.unit_id, count(*) AS recommendations_due,
       count(*) FILTER (WHERE r.resolved_on <= r.due_on) AS recommendations_resolved_on_time
FROM inspection_recommendation r JOIN org_unit u ON u.id = r.unit_id AND u.level = 'district'
WHERE r.deleted_at IS NULL AND r.due_on BETWEEN make_date($1, 1, 1) AND make_date($2, 12, 31)
GROUP BY 1, 2
ORDER BY 1, 2`

// DistrictYears returns one row per district version and year, from first
// to last, in which recommendations made to it fell due.
func (s *ETLSnapshot) DistrictYears(ctx context.Context, first, last int) ([]extract.DistrictYear, error) {
	out, err := queryRows(ctx, s.tx, byName(districtYearRow.toExtract), districtYearSQL, first, last)
	if err != nil {
		return nil, etlError("extract district years", err)
	}
	return out, nil
}

type activityRow struct {
	ID      int64     `db:"id"`
	UnitID  int32     `db:"unit_id"`
	HeldOn  time.Time `db:"held_on"`
	Channel string    `db:"channel"`
	Reach   *int32    `db:"reach"`
}

func (r activityRow) toExtract() extract.CommunicationActivity {
	a := extract.CommunicationActivity{ID: r.ID, UnitID: r.UnitID, HeldOn: civil.DayOf(r.HeldOn.Date()), Channel: r.Channel}
	if r.Reach != nil {
		n := uint32(*r.Reach) // the CHECK keeps it between 0 and 50,000,000
		a.Reach = &n
	}
	return a
}

// CommunicationActivities returns the activities held in the years first to
// last, by id.
func (s *ETLSnapshot) CommunicationActivities(ctx context.Context, first, last int) ([]extract.CommunicationActivity, error) {
	out, err := queryRows(ctx, s.tx, byName(activityRow.toExtract), `SELECT id, unit_id, held_on, channel, reach
  FROM communication_activity WHERE deleted_at IS NULL AND held_on BETWEEN make_date($1, 1, 1) AND make_date($2, 12, 31)
  ORDER BY id`, first, last)
	if err != nil {
		return nil, etlError("extract communication activities", err)
	}
	return out, nil
}

type changeRow struct {
	Table     string `db:"tbl"`
	Unit      *int32 `db:"unit_id"`
	Child     *int64 `db:"child_id"`
	Household *int64 `db:"household_id"`
}

func (r changeRow) toExtract() extract.Change {
	return extract.Change{Table: r.Table, Rows: rowsChangedBy(r.Table), Unit: r.Unit, Child: r.Child, Household: r.Household}
}

// Changes returns the change log's rows that the snapshot watermark did not
// see: committed after it, or in progress then. The xmin bound lets the
// index skip older rows.
func (s *ETLSnapshot) Changes(ctx context.Context, watermark string) ([]extract.Change, error) {
	out, err := queryRows(ctx, s.tx, byName(changeRow.toExtract), `SELECT tbl, unit_id, child_id, household_id FROM etl_change
		WHERE txid >= pg_snapshot_xmin($1::text::pg_snapshot) AND NOT pg_visible_in_snapshot(txid, $1::text::pg_snapshot)`, watermark)
	if err != nil {
		return nil, etlError("read the change log", err)
	}
	return out, nil
}

// unionOver builds a UNION of one SELECT per child source; each returns ""
// for a source it leaves out.
func unionOver(each func(s childSource) string) string {
	var parts []string
	for _, s := range childSources {
		if q := each(s); q != "" {
			parts = append(parts, q)
		}
	}
	return strings.Join(parts, "\nUNION ")
}

var (
	// childrenOfUnitsSQL: every child with a row naming one of the units.
	childrenOfUnitsSQL = unionOver(func(s childSource) string {
		if s.unit == "" {
			return ""
		}
		return fmt.Sprintf("SELECT %s FROM %s WHERE %s = ANY($1)", s.child, s.from, s.unit)
	})
	// classChildrenSQL: the children enrolled in the swimming classes of the
	// units (a class's own row names no child).
	classChildrenSQL = `SELECT e.child_id FROM swimming_enrolment e JOIN swimming_class k ON k.id = e.class_id
  WHERE k.unit_id = ANY($1)`
	// deadlineChildrenSQL: children of emergency deadlines that passed between
	// two snapshots without measures (the case becomes late with time alone).
	// A snapshot at t counts a case late when t > deadline, so the deadlines
	// that passed from snapshot $1 to snapshot $2 are those in [$1, $2).
	deadlineChildrenSQL = `SELECT child_id FROM protection_case
  WHERE emergency_deadline >= $1::timestamptz AND emergency_deadline < $2::timestamptz`
	// maturingChildrenSQL: children whose birth or events stopped being in the
	// future between two snapshot dates. It reads whole tables, so it runs
	// only when the date has changed since the last run.
	maturingChildrenSQL = unionOver(func(s childSource) string {
		if !s.matures {
			return ""
		}
		return fmt.Sprintf("SELECT %s FROM %s WHERE %s > $1::date AND %s <= $2::date", s.child, s.from, s.d1, s.d1)
	})
)

// Affected returns the children a, besides the change log, names (with
// repeats), with the kinds of their rows to read again: a household's
// poverty is on the child's own row, and a date that came alters no row.
func (s *ETLSnapshot) Affected(ctx context.Context, a extract.Affected) ([]extract.ChildRows, error) {
	var out []extract.ChildRows
	for _, q := range []struct {
		sql  string
		args []any
		when bool
		rows extract.Rows
	}{
		{`SELECT id FROM child WHERE household_id = ANY($1)`, []any{a.Households}, len(a.Households) > 0, 0},
		{classChildrenSQL, []any{a.ClassUnits}, len(a.ClassUnits) > 0, extract.EventRows(extract.EvSwim)},
		{childrenOfUnitsSQL, []any{a.Units}, len(a.Units) > 0, extract.AllRows},
		{deadlineChildrenSQL, []any{a.DeadlinesFrom, a.DeadlinesTo}, a.DeadlinesFrom.Before(a.DeadlinesTo), extract.EventRows(extract.EvCase)},
		{maturingChildrenSQL, []any{a.MaturedAfter.Time(), a.MaturedBy.Time()}, a.MaturedAfter < a.MaturedBy, 0},
	} {
		if !q.when {
			continue
		}
		ids, err := queryRows(ctx, s.tx, pgx.RowTo[int64], q.sql, q.args...)
		if err != nil {
			return nil, etlError("find the children to count again", err)
		}
		for _, id := range ids {
			out = append(out, extract.ChildRows{ID: id, Rows: q.rows})
		}
	}
	return out, nil
}

// CountChildren returns how many children are not deleted.
func (s *ETLSnapshot) CountChildren(ctx context.Context) (int64, error) {
	var n int64
	if err := s.tx.QueryRow(ctx, "SELECT count(*) FROM child WHERE deleted_at IS NULL").Scan(&n); err != nil {
		return 0, etlError("count children", err)
	}
	return n, nil
}
