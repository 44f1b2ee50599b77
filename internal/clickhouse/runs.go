package clickhouse

import (
	"context"
	"fmt"
	"time"
)

// LastSucceeded returns the watermark, snapshot time and last loaded month of
// the latest succeeded ETL run; found is false before the first one.
func (l *Loader) LastSucceeded(ctx context.Context) (watermark string, snapshotAt, monthsTo time.Time, found bool, err error) {
	rows, err := l.Conn.Query(ctx, `SELECT watermark, snapshot_at, months_to FROM etl_runs FINAL
		WHERE status = 'succeeded' ORDER BY finished_at DESC, run_id DESC LIMIT 1`)
	if err != nil {
		return "", time.Time{}, time.Time{}, false, fmt.Errorf("clickhouse: read etl_runs: %w", err)
	}
	defer rows.Close()
	if rows.Next() {
		if err := rows.Scan(&watermark, &snapshotAt, &monthsTo); err != nil {
			return "", time.Time{}, time.Time{}, false, fmt.Errorf("clickhouse: read etl_runs: %w", err)
		}
		found = true
	}
	return watermark, snapshotAt, monthsTo, found, rows.Err()
}

// RunningRuns returns the ids of runs whose last state is 'running'. Under the
// ETL lock these are runs that were killed.
func (l *Loader) RunningRuns(ctx context.Context) ([]string, error) {
	rows, err := l.Conn.Query(ctx, "SELECT run_id FROM etl_runs FINAL WHERE status = 'running'")
	if err != nil {
		return nil, fmt.Errorf("clickhouse: read etl_runs: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
