package clickhouse

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/go-faster/city"

	"treem/internal/domain"
)

// A warehouse on a cluster keeps, on every shard, the tables of one server
// under their own names (the local tables), and beside each fact table a
// Distributed table over the local tables of every shard. The fact tables
// are spread by unit: every row of a unit code, all its versions and all its
// months, lives on one shard. The small tables (units, crosswalk, runs) are
// whole copies on every shard, so that each shard's facts can be read with
// them and a run's lineage survives on each shard it wrote.

// ShardedTables are the tables whose rows are spread over the shards, by
// ShardKeyColumn. Every other warehouse table is copied whole to each shard.
var ShardedTables = []string{"fact_child_month", "fact_unit_year", "fact_district_year", "fact_channel_quarter"}

// ShardKeyColumn is the column the sharding key hashes.
const ShardKeyColumn = "unit_code"

// shardKeyExpr is the Distributed tables' sharding key; ShardOf computes the
// same in Go.
const shardKeyExpr = "cityHash64(" + ShardKeyColumn + ")"

// IsSharded reports whether table (or its staging twin) is spread over the shards.
func IsSharded(table string) bool {
	return slices.Contains(ShardedTables, strings.TrimSuffix(table, "_stage"))
}

// DistributedName names the Distributed table over a sharded table's local tables.
func DistributedName(table string) string { return table + "_all" }

// ShardOf returns the index (from 0, in shard order) of the shard that holds
// the rows of unitCode among n shards of weight 1: the Distributed engine's
// choice, cityHash64 of the code modulo n (city.CH64 is ClickHouse's
// cityHash64).
func ShardOf(unitCode string, n int) int {
	if n <= 1 {
		return 0
	}
	return int(city.CH64([]byte(unitCode)) % uint64(n))
}

// Shard is one shard of a cluster: the replica treem writes to and reads from.
type Shard struct {
	Num  uint32 // shard_num in system.clusters, from 1
	Addr string // host:port of its native protocol
}

// Cluster is a named ClickHouse cluster as its servers' remote_servers
// configure it.
type Cluster struct {
	Name   string
	Shards []Shard
}

// Addrs returns the shards' addresses in shard order.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.Shards))
	for i, s := range c.Shards {
		out[i] = s.Addr
	}
	return out
}

// DiscoverCluster reads the shards of the cluster name from system.clusters
// of the server at o.Addr: the servers' own configuration is the one list of
// shards, so treem and the Distributed tables cannot disagree on it. A name
// the server does not know is INVALID_INPUT. Each shard's first replica is
// the one written: with ReplicatedMergeTree the others follow it.
func DiscoverCluster(ctx context.Context, o Options, name string) (*Cluster, error) {
	conn, err := Open(ctx, o)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var rows []struct {
		Num  uint32 `ch:"shard_num"`
		Host string `ch:"host_address"`
		Port uint16 `ch:"port"`
	}
	if err := conn.Select(ctx, &rows, `SELECT shard_num, host_address, port FROM system.clusters
WHERE cluster = ? AND replica_num = 1 ORDER BY shard_num`, name); err != nil {
		return nil, domain.Wrap(err, domain.CodeUnavailable, fmt.Sprintf("clickhouse at %s: read system.clusters", o.Addr))
	}
	if len(rows) == 0 {
		return nil, domain.Errorf(domain.CodeInvalidInput,
			"cluster %q is not configured on the ClickHouse at %s (no remote_servers entry): configure it on every server, or unset CLICKHOUSE_CLUSTER for one server",
			name, o.Addr)
	}
	c := &Cluster{Name: name}
	for _, r := range rows {
		c.Shards = append(c.Shards, Shard{Num: r.Num, Addr: fmt.Sprintf("%s:%d", r.Host, r.Port)})
	}
	return c, nil
}

// OpenShards connects to every shard of c with o's database and user, or to
// none: a shard that does not answer is named in the error, and nothing has
// been asked of the others.
func OpenShards(ctx context.Context, o Options, c *Cluster) ([]Conn, error) {
	conns := make([]Conn, 0, len(c.Shards))
	for _, s := range c.Shards {
		so := o
		so.Addr = s.Addr
		conn, err := Open(ctx, so)
		if err != nil {
			CloseAll(conns)
			return nil, c.shardError(len(conns), err, "does not answer: nothing was changed on any shard")
		}
		conns = append(conns, conn)
	}
	return conns, nil
}

// shardError says which shard failed and how, with the cause's code: the
// message of the outermost error is the one commands print.
func (c *Cluster) shardError(i int, err error, what string) error {
	s := c.Shards[i]
	return domain.Wrap(err, domain.ErrorCode(err), fmt.Sprintf("shard %d of cluster %s at %s %s", s.Num, c.Name, s.Addr, what))
}

// CloseAll closes every connection.
func CloseAll(conns []Conn) {
	for _, c := range conns {
		c.Close()
	}
}

// CheckShardVersions is CheckVersion on every shard, naming the first shard
// whose schema differs.
func CheckShardVersions(ctx context.Context, conns []Conn, c *Cluster) error {
	for i, conn := range conns {
		if err := CheckVersion(ctx, conn); err != nil {
			return c.shardError(i, err, "has another schema version")
		}
	}
	return nil
}

// ensureDistributed creates, on the server of conn, the Distributed table of
// each sharded table, or recreates it when its columns no longer match the
// local table's (a migration added some). A Distributed table holds no
// rows, so recreating it loses nothing.
func ensureDistributed(ctx context.Context, conn Conn, cluster, database, onCluster string) error {
	for _, table := range ShardedTables {
		dist := DistributedName(table)
		local, err := columnsOf(ctx, conn, database, table)
		if err != nil {
			return err
		}
		have, err := columnsOf(ctx, conn, database, dist)
		if err != nil {
			return err
		}
		if slices.Equal(local, have) {
			continue
		}
		if len(have) > 0 {
			if err := conn.Exec(ctx, Render("DROP TABLE IF EXISTS "+quoteIdent(dist)+" {on_cluster}", onCluster)); err != nil {
				return fmt.Errorf("clickhouse: drop %s: %w", dist, err)
			}
		}
		ddl := "CREATE TABLE IF NOT EXISTS " + quoteIdent(dist) + " {on_cluster} AS " + quoteIdent(table) +
			" ENGINE = Distributed(" + quoteString(cluster) + ", " + quoteString(database) + ", " + quoteString(table) + ", " + shardKeyExpr + ")"
		if err := conn.Exec(ctx, Render(ddl, onCluster)); err != nil {
			return fmt.Errorf("clickhouse: create %s: %w", dist, err)
		}
	}
	return nil
}

// columnsOf lists a table's columns with their types, in order; none when
// the table does not exist.
func columnsOf(ctx context.Context, conn Conn, database, table string) ([]string, error) {
	rows, err := conn.Query(ctx, "SELECT name, type FROM system.columns WHERE database = ? AND table = ?", database, table)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: columns of %s: %w", table, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, fmt.Errorf("clickhouse: columns of %s: %w", table, err)
		}
		out = append(out, name+" "+typ)
	}
	return out, rows.Err()
}
