package clickhouse

import (
	"context"
	"fmt"
	"strings"
)

// Loader writes the warehouse for the ETL: staging tables, bounded batch
// inserts and atomic partition swaps. Table names come from the ETL's fixed
// list, never from users; values always travel as bound parameters or batches.
type Loader struct {
	Conn Conn
	// BatchRows bounds the rows of one INSERT block (memory on both sides).
	BatchRows int
}

// NewLoader returns a loader over conn with 100,000-row batches.
func NewLoader(conn Conn) *Loader { return &Loader{Conn: conn, BatchRows: 100_000} }

// StageName is the staging twin of a table.
func StageName(table string) string { return table + "_stage" }

// ResetStage drops and recreates the staging twin of table (same columns,
// engine, partition and order keys) and returns its name. Staging tables
// belong to the run holding the ETL lock; a killed run's leftovers are
// discarded here.
func (l *Loader) ResetStage(ctx context.Context, table string) (string, error) {
	stage := StageName(table)
	if err := l.Conn.Exec(ctx, "DROP TABLE IF EXISTS "+quoteIdent(stage)); err != nil {
		return "", fmt.Errorf("clickhouse: drop %s: %w", stage, err)
	}
	if err := l.Conn.Exec(ctx, "CREATE TABLE "+quoteIdent(stage)+" AS "+quoteIdent(table)); err != nil {
		return "", fmt.Errorf("clickhouse: create %s: %w", stage, err)
	}
	return stage, nil
}

// DropStage removes a staging table.
func (l *Loader) DropStage(ctx context.Context, table string) error {
	if err := l.Conn.Exec(ctx, "DROP TABLE IF EXISTS "+quoteIdent(StageName(table))); err != nil {
		return fmt.Errorf("clickhouse: drop stage of %s: %w", table, err)
	}
	return nil
}

// Insert appends n rows produced by row(i) to table in batches of at most
// BatchRows rows, one Send per batch.
func (l *Loader) Insert(ctx context.Context, table string, columns []string, n int, row func(i int) []any) error {
	query := "INSERT INTO " + quoteIdent(table) + " (" + strings.Join(columns, ", ") + ")"
	size := max(l.BatchRows, 1)
	for start := 0; start < n; start += size {
		batch, err := l.Conn.PrepareBatch(ctx, query)
		if err != nil {
			return fmt.Errorf("clickhouse: prepare insert into %s: %w", table, err)
		}
		for i := start; i < min(start+size, n); i++ {
			if err := batch.Append(row(i)...); err != nil {
				batch.Close()
				return fmt.Errorf("clickhouse: append to %s: %w", table, err)
			}
		}
		if err := batch.Send(); err != nil {
			batch.Close()
			return fmt.Errorf("clickhouse: insert into %s: %w", table, err)
		}
		batch.Close()
	}
	return nil
}

// InsertColumns sends one block of rows given column by column: data[i] is a
// slice (e.g. []string, []time.Time, []uint64) holding column i of every row.
// Columnar blocks avoid boxing each value; the caller bounds the block size.
func (l *Loader) InsertColumns(ctx context.Context, table string, columns []string, data []any) error {
	batch, err := l.Conn.PrepareBatch(ctx, "INSERT INTO "+quoteIdent(table)+" ("+strings.Join(columns, ", ")+")")
	if err != nil {
		return fmt.Errorf("clickhouse: prepare insert into %s: %w", table, err)
	}
	defer batch.Close()
	for i, col := range data {
		if err := batch.Column(i).Append(col); err != nil {
			return fmt.Errorf("clickhouse: column %s of %s: %w", columns[i], table, err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("clickhouse: insert into %s: %w", table, err)
	}
	return nil
}

// ReplacePartition atomically swaps the single partition of table (a
// PARTITION BY tuple() table) for stage's.
func (l *Loader) ReplacePartition(ctx context.Context, table, stage string) error {
	if err := l.Conn.Exec(ctx, "ALTER TABLE "+quoteIdent(table)+" REPLACE PARTITION tuple() FROM "+quoteIdent(stage)); err != nil {
		return fmt.Errorf("clickhouse: replace the rows of %s with %s: %w", table, stage, err)
	}
	return nil
}

// AttachPartition atomically adds every row of stage's single partition to
// table's (a PARTITION BY tuple() table): readers see all of them or none.
func (l *Loader) AttachPartition(ctx context.Context, table, stage string) error {
	if err := l.Conn.Exec(ctx, "ALTER TABLE "+quoteIdent(table)+" ATTACH PARTITION tuple() FROM "+quoteIdent(stage)); err != nil {
		return fmt.Errorf("clickhouse: attach the rows of %s to %s: %w", stage, table, err)
	}
	return nil
}

// Markers returns the generation markers of fact_child_month (the unit_code
// of its rows with an empty measure) whose values do not add up to zero.
func (l *Loader) Markers(ctx context.Context) (map[string]int64, error) {
	rows, err := l.Conn.Query(ctx, "SELECT unit_code, sum(value) FROM fact_child_month WHERE measure = '' GROUP BY unit_code HAVING sum(value) != 0")
	if err != nil {
		return nil, fmt.Errorf("clickhouse: read the generation markers: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var name string
		var v int64
		if err := rows.Scan(&name, &v); err != nil {
			return nil, fmt.Errorf("clickhouse: read the generation markers: %w", err)
		}
		out[name] = v
	}
	return out, rows.Err()
}

// CellsChecksum returns the number of cells of fact_child_month and a hash
// of their content as readers see it: rows added up by key, cells that add
// up to nothing and generation markers left out, run ids ignored. A full
// load and any series of incremental ones of the same data give the same.
func (l *Loader) CellsChecksum(ctx context.Context) (count uint64, sum uint64, err error) {
	err = l.Conn.QueryRow(ctx, `SELECT count(), sum(cityHash64(month, unit_code, unit_valid_from, district_2021, sex, age_band,
  group_code, poverty, measure, v, k)) FROM (
  SELECT month, unit_code, unit_valid_from, district_2021, sex, age_band, group_code, poverty, measure,
         sum(value) AS v, toUInt32(sum(ckey) % 4294967296) AS k
  FROM fact_child_month WHERE measure != ''
  GROUP BY month, unit_code, unit_valid_from, district_2021, sex, age_band, group_code, poverty, measure
  HAVING v != 0 OR k != 0)`).Scan(&count, &sum)
	if err != nil {
		return 0, 0, fmt.Errorf("clickhouse: checksum of fact_child_month's cells: %w", err)
	}
	return count, sum, nil
}

// Checksum returns the row count and a content hash of table over every
// column but run_id, in an order-independent way: two loads of the same data
// have the same checksum whatever their run ids and part layout. For
// fact_child_month it is CellsChecksum: its rows are added up by key.
func (l *Loader) Checksum(ctx context.Context, table string) (count uint64, sum uint64, err error) {
	if table == "fact_child_month" {
		return l.CellsChecksum(ctx)
	}
	rows, err := l.Conn.Query(ctx, "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = ?", table)
	if err != nil {
		return 0, 0, fmt.Errorf("clickhouse: columns of %s: %w", table, err)
	}
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return 0, 0, err
		}
		if c != "run_id" {
			cols = append(cols, quoteIdent(c))
		}
	}
	rows.Close()
	if len(cols) == 0 {
		return 0, 0, fmt.Errorf("clickhouse: table %s has no columns", table)
	}
	err = l.Conn.QueryRow(ctx, "SELECT count(), sum(cityHash64("+strings.Join(cols, ", ")+")) FROM "+quoteIdent(table)).Scan(&count, &sum)
	if err != nil {
		return 0, 0, fmt.Errorf("clickhouse: checksum of %s: %w", table, err)
	}
	return count, sum, nil
}

func quoteString(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}
