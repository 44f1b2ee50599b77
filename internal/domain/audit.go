package domain

import (
	"context"
	"time"
)

// AuditAction says whether personal data was read or written.
type AuditAction string

// The two audited actions.
const (
	AuditRead  AuditAction = "read"
	AuditWrite AuditAction = "write"
)

// AuditEntry is one row of the append-only audit log: who touched which
// records of one entity, which fields, in which request.
type AuditEntry struct {
	ID        int64
	At        time.Time
	Subject   string
	Role      Role
	Area      string
	Action    AuditAction
	Operation string // GraphQL operation name, "" when anonymous
	Entity    string // GraphQL type name, e.g. "Child"
	RecordIDs []int64
	Fields    []string
	RequestID string
}

// AuditFilter narrows a listing of the audit log; zero fields do not filter.
type AuditFilter struct {
	Subject  string
	Entity   string
	Action   AuditAction
	RecordID int64
	From, To time.Time // To is exclusive
}

// Request describes the request in progress, for the audit log and the logs.
type Request struct {
	ID        string
	Operation string
	// TimeLimit is the request's time limit (zero when none is known), named
	// to a caller whose question ran out of it.
	TimeLimit time.Duration
}

type requestKey struct{}

// WithRequest returns a context carrying r.
func WithRequest(ctx context.Context, r Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the request in ctx (zero outside a request).
func RequestFrom(ctx context.Context) Request {
	r, _ := ctx.Value(requestKey{}).(Request)
	return r
}

// NewAuditEntry describes an action by ctx's user within ctx's request. The
// database stamps the time.
func NewAuditEntry(ctx context.Context, action AuditAction, entity string, ids []int64, fields []string) AuditEntry {
	e := AuditEntry{Action: action, Entity: entity, RecordIDs: ids, Fields: fields}
	if u := UserFrom(ctx); u != nil {
		e.Subject, e.Role, e.Area = u.Subject, u.Role, u.Area
	}
	r := RequestFrom(ctx)
	e.Operation, e.RequestID = r.Operation, r.ID
	return e
}
