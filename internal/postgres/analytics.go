package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/domain"
)

// AnalyticsStore keeps what analytics needs from Postgres: the replaceable
// child-friendly scoring table and the periodic reports' submission status.
// Neither holds personal data.
type AnalyticsStore struct {
	pool *pgxpool.Pool
}

// NewAnalyticsStore returns the store over pool.
func NewAnalyticsStore(pool *pgxpool.Pool) *AnalyticsStore { return &AnalyticsStore{pool: pool} }

// ScoringTable returns the latest uploaded scoring table, or nil.
func (s *AnalyticsStore) ScoringTable(ctx context.Context) ([]byte, error) {
	tables, err := readProvince(ctx, s.pool, pgx.RowTo[[]byte],
		`SELECT scoring::text FROM child_friendly_scoring ORDER BY id DESC LIMIT 1`, nil)
	if err != nil {
		return nil, fmt.Errorf("read scoring table: %w", err)
	}
	if len(tables) == 0 {
		return nil, nil
	}
	return tables[0], nil
}

// SaveScoringTable records a validated table as the one in force, with the
// departures from the confirmed values it was accepted with and the reason
// given for them ("" when there are none).
func (s *AnalyticsStore) SaveScoringTable(ctx context.Context, version string, table []byte, uploadedBy string,
	departures []string, override string) error {
	// The upload and its audit entry commit together; the entry is written as
	// the application role, like every other.
	err := inArea(ctx, s.pool, domain.Scope{All: true}, false, func(tx pgx.Tx) error {
		var id int64
		if departures == nil {
			departures = []string{}
		}
		if err := tx.QueryRow(ctx, `INSERT INTO child_friendly_scoring (version, scoring, uploaded_by, departures, override_reason)
		  VALUES ($1, $2, $3, $4, NULLIF($5, '')) RETURNING id`, version, string(table), uploadedBy, departures, override).Scan(&id); err != nil {
			return err
		}
		fields := []string{"version", "json"}
		if len(departures) > 0 {
			fields = append(fields, "override")
		}
		return RecordWriteTx(ctx, tx, "ScoringTable", []int64{id}, fields)
	})
	if err != nil {
		return fmt.Errorf("save scoring table: %w", MapError(err))
	}
	return nil
}

const submissionColumns = `u.code AS unit_code, r.period, r.due_on, r.submitted_at`

type submissionRow struct {
	UnitCode    string     `db:"unit_code"`
	Period      string     `db:"period"`
	DueOn       time.Time  `db:"due_on"`
	SubmittedAt *time.Time `db:"submitted_at"`
}

func (r submissionRow) toDomain() domain.ReportSubmission {
	return domain.ReportSubmission{UnitCode: r.UnitCode, Period: r.Period, DueOn: r.DueOn, SubmittedAt: r.SubmittedAt}
}

var scanSubmission = byName(submissionRow.toDomain)

// ReportSubmissions returns the periodic_report rows of period ("2021-H1" or
// "2021"), keyed by the reporting unit's code. The report tells leadership
// which units of the whole province submitted, so it reads in the province's
// scope, whoever asks.
func (s *AnalyticsStore) ReportSubmissions(ctx context.Context, period string) ([]domain.ReportSubmission, error) {
	const q = `SELECT ` + submissionColumns + ` FROM periodic_report r
JOIN org_unit u ON u.id = r.unit_id WHERE r.period = $1 AND r.department_id IS NULL AND r.deleted_at IS NULL ORDER BY u.code`
	subs, err := readProvince(ctx, s.pool, scanSubmission, q, []any{period})
	if err != nil {
		return nil, fmt.Errorf("read periodic reports: %w", err)
	}
	return subs, nil
}
