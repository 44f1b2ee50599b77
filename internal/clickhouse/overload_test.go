package clickhouse

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"treem/internal/domain"
	"treem/internal/testdb"
)

// TestOverloadIsTooComplex: a query that runs out of its time is the caller's
// question being too big (TOO_COMPLEX naming the limit), not an outage; a
// warehouse that cannot be reached stays UNAVAILABLE.
func TestOverloadIsTooComplex(t *testing.T) {
	env := testdb.Env()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := Open(ctx, Options{Addr: env.Get("CLICKHOUSE_ADDR", ""), Database: "system",
		User: env.Get("CLICKHOUSE_USER", ""), Password: env.Get("CLICKHOUSE_PASSWORD", "")})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	endless := func(ctx context.Context, settings string) error {
		rows, err := conn.Query(ctx, "SELECT count() FROM system.numbers"+settings)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
		}
		return rows.Err()
	}

	// Stopped by the warehouse's time limit (TIMEOUT_EXCEEDED), which names
	// the request's limit when that is the shorter.
	request := domain.WithRequest(ctx, domain.Request{TimeLimit: 10 * time.Second})
	for _, tt := range []struct {
		ctx  context.Context
		want string
	}{{ctx, "longer than 30 s"}, {request, "longer than 10 s"}} {
		err := mapErr(tt.ctx, endless(ctx, " SETTINGS max_execution_time = 1"), "count query")
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != domain.CodeTooComplex || !strings.Contains(de.Message, tt.want) {
			t.Fatalf("a query past its time limit: %v, want TOO_COMPLEX %q", err, tt.want)
		}
	}

	// Stopped by the request's deadline: the cause is kept, for the edge to
	// name the request's limit. 18.16 does not notice a client that went away
	// while a count has no row to send, so the server's own limit ends it
	// soon after (an endless query would hold a core after the test).
	short, cancelShort := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancelShort()
	err = mapErr(short, endless(short, " SETTINGS max_execution_time = 3"), "count query")
	var de *domain.Error
	if !errors.Is(err, context.DeadlineExceeded) || errors.As(err, &de) {
		t.Fatalf("a query past the request's deadline: %v", err)
	}

	// Nobody listening, or a broken connection: unavailable.
	if _, err := Open(ctx, Options{Addr: "127.0.0.1:1"}); domain.ErrorCode(err) != domain.CodeUnavailable {
		t.Fatalf("an unreachable warehouse: %v", err)
	}
	if err := mapErr(ctx, errors.New("read tcp: connection reset by peer"), "count query"); domain.ErrorCode(err) != domain.CodeUnavailable {
		t.Fatalf("a broken connection: %v", err)
	}
}

func TestSecondsLeft(t *testing.T) {
	soon, cancel := context.WithTimeout(context.Background(), 3500*time.Millisecond)
	defer cancel()
	past, cancelPast := context.WithTimeout(context.Background(), -time.Second)
	defer cancelPast()
	for _, tt := range []struct {
		ctx  context.Context
		want int
	}{{context.Background(), 30}, {soon, 3}, {past, 1}} {
		if got := secondsLeft(tt.ctx); got != tt.want {
			t.Fatalf("secondsLeft = %d, want %d", got, tt.want)
		}
	}
}
