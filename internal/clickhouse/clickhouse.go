// Package clickhouse is the analytics warehouse: it opens native-protocol
// connections, applies the embedded warehouse migrations and offers the loading
// helpers (staging tables, bounded batches, atomic partition swaps) the ETL uses.
// It holds counts only; nothing in it names or identifies a child.
package clickhouse

import (
	"context"
	"fmt"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"treem/internal/domain"
)

// Conn is a warehouse connection (a pool of native-protocol connections).
type Conn = driver.Conn

// DefaultDatabase is the warehouse database when CLICKHOUSE_DATABASE is unset.
const DefaultDatabase = "treem"

// Open connects to the ClickHouse server at addr (host:port of the native
// protocol) using database, and checks the connection. The native protocol is
// the only one ClickHouse 18.16 speaks with this driver.
func Open(ctx context.Context, addr, database string) (Conn, error) {
	if addr == "" {
		return nil, domain.Errorf(domain.CodeInvalidInput, "CLICKHOUSE_ADDR is not set")
	}
	if database == "" {
		database = DefaultDatabase
	}
	conn, err := ch.Open(&ch.Options{
		Protocol:    ch.Native,
		Addr:        []string{addr},
		Auth:        ch.Auth{Database: database},
		DialTimeout: 5 * time.Second,
		// Inserts of a whole fact table arrive in bounded blocks; a long
		// REPLACE PARTITION or checksum may take a while on one core.
		ReadTimeout: 10 * time.Minute,
	})
	if err != nil {
		return nil, domain.Wrap(err, domain.CodeInvalidInput, "CLICKHOUSE_ADDR is not a valid address")
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := conn.Ping(pingCtx); err != nil {
		conn.Close()
		return nil, domain.Wrap(err, domain.CodeUnavailable,
			fmt.Sprintf("clickhouse at %s (database %s) is unreachable", addr, database))
	}
	return conn, nil
}
