package clickhouse

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"reflect"
	"slices"
	"time"
)

// ShardedLoader writes a warehouse on a cluster for the ETL, with the
// Loader's methods: rows of a sharded table go to the local table of the
// shard ShardOf names for their unit code, rows of any other table to every
// shard, and each swap (REPLACE or ATTACH of the single partition) is done
// on every shard. A swap is atomic on each shard, not across them: a run
// killed between two shards leaves shards at different generations, which
// Markers reports as no generation at all, so the next run rebuilds every
// shard in full.
type ShardedLoader struct {
	shards  []*Loader
	cluster *Cluster
	log     *slog.Logger
}

// NewShardedLoader returns a loader over one connection per shard of c, in
// shard order.
func NewShardedLoader(conns []Conn, c *Cluster, log *slog.Logger) *ShardedLoader {
	l := &ShardedLoader{cluster: c, log: log}
	for _, conn := range conns {
		l.shards = append(l.shards, NewLoader(conn))
	}
	return l
}

// each runs f on every shard in order, naming the shard of the first error.
func (l *ShardedLoader) each(f func(*Loader) error) error {
	for i, s := range l.shards {
		if err := f(s); err != nil {
			return l.shardErr(i, err)
		}
	}
	return nil
}

func (l *ShardedLoader) shardErr(i int, err error) error {
	return l.cluster.shardError(i, err, "failed")
}

// ResetStage resets the staging twin of table on every shard.
func (l *ShardedLoader) ResetStage(ctx context.Context, table string) (string, error) {
	return StageName(table), l.each(func(s *Loader) error {
		_, err := s.ResetStage(ctx, table)
		return err
	})
}

// DropStage drops the staging twin of table on every shard.
func (l *ShardedLoader) DropStage(ctx context.Context, table string) error {
	return l.each(func(s *Loader) error { return s.DropStage(ctx, table) })
}

// ReplacePartition swaps table's partition for stage's on every shard.
func (l *ShardedLoader) ReplacePartition(ctx context.Context, table, stage string) error {
	return l.each(func(s *Loader) error { return s.ReplacePartition(ctx, table, stage) })
}

// AttachPartition adds stage's rows to table's on every shard.
func (l *ShardedLoader) AttachPartition(ctx context.Context, table, stage string) error {
	return l.each(func(s *Loader) error { return s.AttachPartition(ctx, table, stage) })
}

// Insert sends the rows of a sharded table each to its shard, and those of
// any other table to every shard.
func (l *ShardedLoader) Insert(ctx context.Context, table string, columns []string, n int, row func(i int) []any) error {
	if !IsSharded(table) {
		return l.each(func(s *Loader) error { return s.Insert(ctx, table, columns, n, row) })
	}
	key := slices.Index(columns, ShardKeyColumn)
	if key < 0 {
		return fmt.Errorf("clickhouse: insert into %s without %s, its sharding key", table, ShardKeyColumn)
	}
	rows := make([][]int, len(l.shards))
	for i := range n {
		code, _ := row(i)[key].(string)
		s := ShardOf(code, len(l.shards))
		rows[s] = append(rows[s], i)
	}
	for s, idx := range rows {
		if len(idx) == 0 {
			continue
		}
		if err := l.shards[s].Insert(ctx, table, columns, len(idx), func(j int) []any { return row(idx[j]) }); err != nil {
			return l.shardErr(s, err)
		}
	}
	return nil
}

// InsertColumns sends one columnar block: for a sharded table each row to
// its shard, except fact_child_month's generation markers (measure ""),
// which go to every shard, so that each shard carries the generations it
// holds; for any other table the whole block to every shard.
func (l *ShardedLoader) InsertColumns(ctx context.Context, table string, columns []string, data []any) error {
	if !IsSharded(table) {
		return l.each(func(s *Loader) error { return s.InsertColumns(ctx, table, columns, data) })
	}
	key := slices.Index(columns, ShardKeyColumn)
	if key < 0 {
		return fmt.Errorf("clickhouse: insert into %s without %s, its sharding key", table, ShardKeyColumn)
	}
	codes, ok := data[key].([]string)
	if !ok {
		return fmt.Errorf("clickhouse: column %s of %s is %T, not []string", ShardKeyColumn, table, data[key])
	}
	var measures []string
	if m := slices.Index(columns, "measure"); m >= 0 {
		measures, _ = data[m].([]string)
	}
	rows := make([][]int, len(l.shards))
	for i, code := range codes {
		if measures != nil && measures[i] == "" {
			for s := range rows {
				rows[s] = append(rows[s], i)
			}
			continue
		}
		s := ShardOf(code, len(l.shards))
		rows[s] = append(rows[s], i)
	}
	for s, idx := range rows {
		if len(idx) == 0 {
			continue
		}
		part := data
		if len(idx) < len(codes) {
			part = make([]any, len(data))
			for c, col := range data {
				part[c] = pickRows(col, idx)
			}
		}
		if err := l.shards[s].InsertColumns(ctx, table, columns, part); err != nil {
			return l.shardErr(s, err)
		}
	}
	return nil
}

// pickRows returns the rows idx of a column slice, in their order.
func pickRows(col any, idx []int) any {
	switch c := col.(type) {
	case []string:
		return pick(c, idx)
	case []time.Time:
		return pick(c, idx)
	case []int64:
		return pick(c, idx)
	case []uint64:
		return pick(c, idx)
	case []uint32:
		return pick(c, idx)
	case []uint16:
		return pick(c, idx)
	case []uint8:
		return pick(c, idx)
	}
	v := reflect.ValueOf(col)
	out := reflect.MakeSlice(v.Type(), len(idx), len(idx))
	for j, i := range idx {
		out.Index(j).Set(v.Index(i))
	}
	return out.Interface()
}

func pick[T any](s []T, idx []int) []T {
	out := make([]T, len(idx))
	for j, i := range idx {
		out[j] = s[i]
	}
	return out
}

// Markers returns the generation markers every shard holds alike. When the
// shards disagree (a run stopped between two shards' swaps) it returns none,
// which makes the next run full: a full run replaces every shard's rows.
func (l *ShardedLoader) Markers(ctx context.Context) (map[string]int64, error) {
	var first map[string]int64
	for i, s := range l.shards {
		m, err := s.Markers(ctx)
		if err != nil {
			return nil, l.shardErr(i, err)
		}
		if i == 0 {
			first = m
			continue
		}
		if !maps.Equal(first, m) {
			l.log.Warn("the shards hold different ETL generations: the next run rebuilds every shard",
				"shard", l.cluster.Shards[i].Addr, "markers", len(m), "first_shard_markers", len(first))
			return map[string]int64{}, nil
		}
	}
	return first, nil
}

// Checksum adds up a sharded table's checksums over the shards (each cell
// lives on one shard, and the content hash is a sum). A table copied to
// every shard must have the same checksum on each.
func (l *ShardedLoader) Checksum(ctx context.Context, table string) (count uint64, sum uint64, err error) {
	for i, s := range l.shards {
		c, h, err := s.Checksum(ctx, table)
		if err != nil {
			return 0, 0, l.shardErr(i, err)
		}
		switch {
		case IsSharded(table):
			count, sum = count+c, sum+h
		case i == 0:
			count, sum = c, h
		case c != count || h != sum:
			return 0, 0, l.shardErr(i, fmt.Errorf("clickhouse: %s differs from shard %d's copy", table, l.cluster.Shards[0].Num))
		}
	}
	return count, sum, nil
}

// RunningRuns returns the runs left running on any shard.
func (l *ShardedLoader) RunningRuns(ctx context.Context) ([]string, error) {
	seen := map[string]bool{}
	for i, s := range l.shards {
		ids, err := s.RunningRuns(ctx)
		if err != nil {
			return nil, l.shardErr(i, err)
		}
		for _, id := range ids {
			seen[id] = true
		}
	}
	return slices.Sorted(maps.Keys(seen)), nil
}
