// Package clickhouse is the analytics warehouse: it opens native-protocol
// connections, applies the embedded warehouse migrations and offers the loading
// helpers (staging tables, bounded batches, atomic partition swaps) the ETL uses.
// It holds counts only; nothing in it names or identifies a child.
package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"treem/internal/domain"
)

// Conn is a warehouse connection (a pool of native-protocol connections).
type Conn = driver.Conn

// DefaultDatabase is the warehouse database when CLICKHOUSE_DATABASE is unset.
const DefaultDatabase = "treem"

// PublishedDatabase names the database beside a warehouse database that
// holds its disclosure-controlled values for BI tools: treem_published for
// treem. The server's bi user may read treem_published (and the bi test's
// database) and nothing else. Migrate creates it.
func PublishedDatabase(database string) string {
	if database == "" {
		database = DefaultDatabase
	}
	return database + "_published"
}

// Options name the server, the database and the user of a connection. The
// users are configured on the server (users.xml on 18.16): the writer for the
// ETL, migrations and tests, a read-only user for the API.
type Options struct {
	Addr     string // host:port of the native protocol
	Database string // DefaultDatabase when empty
	User     string // ClickHouse's "default" user when empty
	Password string
}

// Open connects to the ClickHouse server at o.Addr as o.User and checks the
// connection. The native protocol is the only one ClickHouse 18.16 speaks with
// this driver.
func Open(ctx context.Context, o Options) (Conn, error) {
	if o.Addr == "" {
		return nil, domain.Errorf(domain.CodeInvalidInput, "CLICKHOUSE_ADDR is not set")
	}
	if o.Database == "" {
		o.Database = DefaultDatabase
	}
	if o.User == "" {
		o.User = "default"
	}
	conn, err := ch.Open(&ch.Options{
		Protocol:    ch.Native,
		Addr:        []string{o.Addr},
		Auth:        ch.Auth{Database: o.Database, Username: o.User, Password: o.Password},
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
		// The server answered: an exception (wrong password), or, on 18.16, a
		// connection closed in the handshake (a database the user may not
		// use). Say so rather than call it unreachable.
		var ex *ch.Exception
		if errors.As(err, &ex) || errors.Is(err, io.EOF) {
			return nil, domain.Wrap(err, domain.CodeUnavailable,
				fmt.Sprintf("clickhouse at %s refused user %s on database %s", o.Addr, o.User, o.Database))
		}
		return nil, domain.Wrap(err, domain.CodeUnavailable,
			fmt.Sprintf("clickhouse at %s (database %s) is unreachable", o.Addr, o.Database))
	}
	return conn, nil
}
