package etl

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"treem/internal/civil"
)

// UnitYearRow is one row of fact_unit_year: what a commune version declared
// for a year, and the counts of its service points and communication activities.
type UnitYearRow struct {
	Year                     uint16
	UnitID                   int32
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

// unitYearSQL aggregates in Postgres: one row per commune version and year it
// was in force (2019 to the snapshot's year).
const unitYearSQL = `
WITH years AS (
  SELECT y::int AS year FROM generate_series(2019, $1::int) y
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
)
SELECT v.year, v.id, coalesce(f.worker_assigned, false), coalesce(f.villages, 0), coalesce(f.villages_with_collaborator, 0),
       coalesce(f.board_meetings, 0), coalesce(f.funding_vnd, 0), coalesce(f.play_venues, 0), coalesce(f.children_forums, 0),
       coalesce(f.survey_respondents, 0), coalesce(f.survey_satisfied, 0), coalesce(f.category, ''),
       coalesce(sp.n, 0), coalesce(ca.n, 0), f.unit_id IS NOT NULL
FROM versions v
LEFT JOIN commune_facts f ON f.unit_id = v.id AND f.year = v.year AND f.deleted_at IS NULL
LEFT JOIN sp ON sp.id = v.id AND sp.year = v.year
LEFT JOIN ca ON ca.id = v.id AND ca.year = v.year
ORDER BY v.year, v.id`

func readUnitYears(ctx context.Context, tx pgx.Tx, asOf civil.Day) ([]UnitYearRow, error) {
	y, _, _ := asOf.Date()
	rows, err := tx.Query(ctx, unitYearSQL, y)
	if err != nil {
		return nil, fmt.Errorf("extract unit years: %w", err)
	}
	defer rows.Close()
	var out []UnitYearRow
	for rows.Next() {
		var r UnitYearRow
		var year int32
		var villages, withCollab, meetings, venues, forums, resp, sat int32
		var funding, sp, ca int64
		if err := rows.Scan(&year, &r.UnitID, &r.WorkerAssigned, &villages, &withCollab, &meetings, &funding, &venues,
			&forums, &resp, &sat, &r.Category, &sp, &ca, &r.HasFacts); err != nil {
			return nil, fmt.Errorf("extract unit years: %w", err)
		}
		r.Year, r.Villages, r.VillagesWithCollaborator, r.BoardMeetings = uint16(year), uint32(villages), uint32(withCollab), uint32(meetings)
		r.FundingVND, r.PlayVenues, r.ChildrenForums = uint64(funding), uint32(venues), uint32(forums)
		r.SurveyRespondents, r.SurveySatisfied, r.ServicePoints, r.CommunicationActivities = uint32(resp), uint32(sat), uint32(sp), uint32(ca)
		out = append(out, r)
	}
	return out, rows.Err()
}
