package clickhouse

import (
	"context"
	"fmt"
	"reflect"
	"time"
)

// PublishedCurrent reports whether the published database holds the values
// of the warehouse as it is, computed from source: the latest publish used
// source, and no succeeded run since the one it published changed the
// warehouse.
func (l *Loader) PublishedCurrent(ctx context.Context, source string) (bool, error) {
	var last struct {
		RunID  string `ch:"run_id"`
		Source string `ch:"source"`
	}
	rows, err := l.Conn.Query(ctx, `SELECT run_id, source FROM etl_publishes ORDER BY published_at DESC LIMIT 1`)
	if err != nil {
		return false, fmt.Errorf("clickhouse: read etl_publishes: %w", err)
	}
	found := rows.Next()
	if found {
		err = rows.ScanStruct(&last)
	}
	rows.Close()
	if err != nil || !found || last.Source != source {
		return false, err
	}
	var changed uint64
	if err := l.Conn.QueryRow(ctx, `SELECT count() FROM etl_runs FINAL WHERE status = 'succeeded' AND changed = 1
		AND finished_at > (SELECT max(finished_at) FROM etl_runs FINAL WHERE run_id = ?)`, last.RunID).Scan(&changed); err != nil {
		return false, fmt.Errorf("clickhouse: read etl_runs: %w", err)
	}
	return changed == 0, nil
}

// RecordPublish records that run rewrote the published database from source.
func (l *Loader) RecordPublish(ctx context.Context, runID, source string) error {
	return l.Insert(ctx, "etl_publishes", []string{"run_id", "source", "published_at"}, 1, func(int) []any {
		return []any{runID, source, time.Now().UTC()}
	})
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

// runRow returns the columns and values of run id's current etl_runs row,
// nil when there is none.
func (l *Loader) runRow(ctx context.Context, id string) ([]string, []any, error) {
	rows, err := l.Conn.Query(ctx, "SELECT * FROM etl_runs FINAL WHERE run_id = ?", id)
	if err != nil {
		return nil, nil, fmt.Errorf("clickhouse: read run %s: %w", id, err)
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, nil, rows.Err()
	}
	types := rows.ColumnTypes()
	columns := make([]string, len(types))
	dest := make([]any, len(types))
	for i, t := range types {
		columns[i] = quoteIdent(t.Name())
		dest[i] = reflect.New(t.ScanType()).Interface()
	}
	if err := rows.Scan(dest...); err != nil {
		return nil, nil, fmt.Errorf("clickhouse: read run %s: %w", id, err)
	}
	row := make([]any, len(dest))
	for i, d := range dest {
		row[i] = reflect.ValueOf(d).Elem().Interface()
	}
	return columns, row, nil
}
