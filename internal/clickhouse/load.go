package clickhouse

import (
	"context"
	"fmt"
	"strings"
	"time"
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

// CreateKeyTable (re)creates a small Memory table of (unit_code,
// unit_valid_from) pairs: the commune versions an incremental run recomputes.
func (l *Loader) CreateKeyTable(ctx context.Context, name string) error {
	if err := l.Conn.Exec(ctx, "DROP TABLE IF EXISTS "+quoteIdent(name)); err != nil {
		return fmt.Errorf("clickhouse: drop %s: %w", name, err)
	}
	if err := l.Conn.Exec(ctx, "CREATE TABLE "+quoteIdent(name)+" (unit_code String, unit_valid_from Date) ENGINE = Memory"); err != nil {
		return fmt.Errorf("clickhouse: create %s: %w", name, err)
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

// Partitions returns the values of the String partition key column of the
// table's rows (e.g. district_2021 of fact_child_month).
func (l *Loader) Partitions(ctx context.Context, table, column string) ([]string, error) {
	rows, err := l.Conn.Query(ctx, "SELECT DISTINCT "+quoteIdent(column)+" FROM "+quoteIdent(table))
	if err != nil {
		return nil, fmt.Errorf("clickhouse: partitions of %s: %w", table, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("clickhouse: partitions of %s: %w", table, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// PartitionsOfKeys returns the districts that hold rows of the commune
// versions listed in keyTable.
func (l *Loader) PartitionsOfKeys(ctx context.Context, table, keyTable string) ([]string, error) {
	rows, err := l.Conn.Query(ctx, "SELECT DISTINCT district_2021 FROM "+quoteIdent(table)+
		" WHERE (unit_code, unit_valid_from) IN (SELECT unit_code, unit_valid_from FROM "+quoteIdent(keyTable)+")")
	if err != nil {
		return nil, fmt.Errorf("clickhouse: partitions of %s: %w", table, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// CopyUnchanged copies into stage the rows of one district partition of
// fact_child_month that a run does not recompute: the commune versions not in
// keyTable, for months before from. The stage then holds the whole new
// partition and can replace the old one in one step.
func (l *Loader) CopyUnchanged(ctx context.Context, table, stage, keyTable, district string, from time.Time) error {
	q := "INSERT INTO " + quoteIdent(stage) + " SELECT * FROM " + quoteIdent(table) +
		" WHERE district_2021 = ? AND month < ? AND (unit_code, unit_valid_from) NOT IN (SELECT unit_code, unit_valid_from FROM " +
		quoteIdent(keyTable) + ")"
	if err := l.Conn.Exec(ctx, q, district, from); err != nil {
		return fmt.Errorf("clickhouse: copy unchanged rows of district %q: %w", district, err)
	}
	return nil
}

// ReplacePartition atomically swaps one partition of table for the same
// partition of stage (an empty stage partition empties it). partition is the
// String value of the partition key; "" with whole=true means the single
// partition of a PARTITION BY tuple() table.
func (l *Loader) ReplacePartition(ctx context.Context, table, stage, partition string, whole bool) error {
	p := quoteString(partition)
	if whole {
		p = "tuple()"
	}
	if err := l.Conn.Exec(ctx, "ALTER TABLE "+quoteIdent(table)+" REPLACE PARTITION "+p+" FROM "+quoteIdent(stage)); err != nil {
		return fmt.Errorf("clickhouse: replace partition %s of %s: %w", p, table, err)
	}
	return nil
}

// Checksum returns the row count and a content hash of table over every
// column but run_id, in an order-independent way: two loads of the same data
// have the same checksum whatever their run ids and part layout.
func (l *Loader) Checksum(ctx context.Context, table string) (count uint64, sum uint64, err error) {
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
