package graph

import (
	"context"
	"encoding/base64"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"treem/graph/model"
	"treem/graph/scalar"
	"treem/internal/domain"
)

// Auditor is the append-only audit log of personal-data reads and writes
// (postgres.AuditLog implements it).
//
// Reads are audited without any resolver code: the @personal directive notes
// (entity, record id, field) in the request and the server appends one entry
// per entity in a single batch when the operation ends. If that append fails
// the response is withheld. Searches on personal fields (auditPersonalFilter)
// and refusals that tell of one (auditDisclosures) are noted the same way.
//
// Writes: a mutation records what it changed. Inside a store transaction use
// postgres.RecordWriteTx(ctx, tx, entity, ids, fields) so the change and its
// audit row commit together; outside one, Resolver.Auditor.RecordWrite. Entity
// is the GraphQL type name ("Child"), fields the GraphQL field names changed.
// Subject, role, area, operation name and request id come from ctx.
type Auditor interface {
	Append(ctx context.Context, entries ...domain.AuditEntry) error
	RecordWrite(ctx context.Context, entity string, ids []int64, fields []string) error
	List(ctx context.Context, f domain.AuditFilter, p domain.Page[int64]) ([]domain.AuditEntry, bool, error)
	Count(ctx context.Context, f domain.AuditFilter) (int, error)
}

// reads collects the personal fields served during one operation. Resolvers run
// concurrently, hence the mutex.
type reads struct {
	mu       sync.Mutex
	entities map[string]*entityReads
	order    []string
}

type entityReads struct {
	ids    []int64
	seenID map[int64]bool
	fields []string
}

type readsKey struct{}

func withReads(ctx context.Context, r *reads) context.Context {
	return context.WithValue(ctx, readsKey{}, r)
}

// recordRead notes that field of entity id was served. Outside an operation set
// up by the server it fails: personal data is never served unaudited.
func recordRead(ctx context.Context, entity string, id int64, field string) error {
	return recordReads(ctx, entity, []int64{id}, []string{field})
}

// recordReads notes that fields of entity were read for the records ids. With
// no ids the entity's entry is still written: a search that matched nothing,
// or a refusal that tells of a record the caller may not know, has read the
// fields all the same.
func recordReads(ctx context.Context, entity string, ids []int64, fields []string) error {
	r, _ := ctx.Value(readsKey{}).(*reads)
	if r == nil {
		return domain.Errorf(domain.CodeInternal, "personal fields %s.%v read outside an audited operation", entity, fields)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.entities == nil {
		r.entities = map[string]*entityReads{}
	}
	e := r.entities[entity]
	if e == nil {
		e = &entityReads{seenID: map[int64]bool{}}
		r.entities[entity] = e
		r.order = append(r.order, entity)
	}
	for _, id := range ids {
		if !e.seenID[id] {
			e.seenID[id] = true
			e.ids = append(e.ids, id)
		}
	}
	for _, f := range fields {
		if !slices.Contains(e.fields, f) {
			e.fields = append(e.fields, f)
		}
	}
	return nil
}

// auditDisclosures is a field middleware: a refusal that tells of a personal
// field (domain.Reveal: a date before a birth date, an identity number in use)
// is audited as a read of that field, though the mutation wrote nothing.
func auditDisclosures(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	var e *domain.Error
	if err == nil || !errors.As(err, &e) {
		return res, err
	}
	if aerr := auditReveal(ctx, e); aerr != nil {
		return nil, aerr
	}
	return res, err
}

// auditReveal notes the personal field a refusal or an input problem tells
// of, if any, as a read of it.
func auditReveal(ctx context.Context, e *domain.Error) error {
	if e.Reveals == nil {
		return nil
	}
	var ids []int64
	if e.Reveals.ID != 0 {
		ids = []int64{e.Reveals.ID}
	}
	return recordReads(ctx, e.Reveals.Entity, ids, []string{e.Reveals.Field})
}

// entries returns one read entry per entity: every record id served and the
// union of the personal fields served for them.
func (r *reads) entries(ctx context.Context) []domain.AuditEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]domain.AuditEntry, 0, len(r.order))
	for _, name := range r.order {
		e := r.entities[name]
		fields := slices.Clone(e.fields)
		slices.Sort(fields)
		out = append(out, domain.NewAuditEntry(ctx, domain.AuditRead, name, slices.Clone(e.ids), fields))
	}
	return out
}

// auditID is implemented by models whose id field is not a plain number.
type auditID interface{ AuditID() int64 }

// recordID finds the numeric id of the object a personal field belongs to: its
// AuditID method, else its ID field (an integer or a decimal string).
func recordID(obj any) (int64, bool) {
	if a, ok := obj.(auditID); ok {
		return a.AuditID(), true
	}
	v := reflect.ValueOf(obj)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return 0, false
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return 0, false
	}
	f := v.FieldByName("ID")
	switch {
	case !f.IsValid():
		return 0, false
	case f.CanInt():
		return f.Int(), true
	case f.Kind() == reflect.String:
		id, err := strconv.ParseInt(f.String(), 10, 64)
		return id, err == nil
	}
	return 0, false
}

// auditLog lists the audit log for the auditLog query; @auth restricts it to
// province officers.
func (r *Resolver) auditLog(ctx context.Context, filter *model.AuditFilter, args pageArgs) (*model.AuditConnection, error) {
	f, err := auditFilter(filter)
	if err != nil {
		return nil, err
	}
	p, err := logPage(args, auditCursorPrefix)
	if err != nil {
		return nil, err
	}
	entries, more, err := r.Auditor.List(ctx, f, p)
	if err != nil {
		return nil, err
	}
	conn := &model.AuditConnection{Edges: make([]*model.AuditEdge, len(entries)),
		Counter: func(ctx context.Context) (int, error) { return r.Auditor.Count(ctx, f) }}
	cursors := make([]string, len(entries))
	for i, e := range entries {
		cursors[i] = encodeIDCursor(auditCursorPrefix, e.ID)
		conn.Edges[i] = &model.AuditEdge{Cursor: cursors[i], Node: auditEntryModel(e)}
	}
	conn.PageInfo = pageInfo(cursors, p.Backward, more)
	return conn, nil
}

func auditFilter(in *model.AuditFilter) (domain.AuditFilter, error) {
	var f domain.AuditFilter
	if in == nil {
		return f, nil
	}
	if in.Subject != nil {
		f.Subject = *in.Subject
	}
	if in.Entity != nil {
		f.Entity = *in.Entity
	}
	if in.Action != nil {
		f.Action = domain.AuditAction(strings.ToLower(string(*in.Action)))
	}
	if in.RecordID != nil {
		// The log keeps numbers; a global id's type is the entity filter's business.
		var err error
		if isNumber(*in.RecordID) {
			f.RecordID, err = parseID("filter.recordId", *in.RecordID)
		} else {
			_, f.RecordID, err = parseGlobalID("filter.recordId", *in.RecordID)
		}
		if err != nil {
			return f, err
		}
	}
	var err error
	f.From, f.To, err = dateWindow(in.From, in.To, "filter.to")
	return f, err
}

// dateWindow turns optional from/to dates into times, refusing an empty window.
func dateWindow(from, to *scalar.Date, toField string) (time.Time, time.Time, error) {
	var f, t time.Time
	if from != nil {
		f = from.Time
	}
	if to != nil {
		t = to.Time
	}
	if !f.IsZero() && !t.IsZero() && !t.After(f) {
		return f, t, domain.Invalid(toField, "must be after from")
	}
	return f, t, nil
}

// logPage reads the paging arguments of an audit log, keyed by id, as the
// operational lists take them but for the size: 50 rows when none is given
// (the store bounds it).
func logPage(a pageArgs, cursorPrefix string) (domain.Page[int64], error) {
	backward, size, cursor, _, field, err := a.way()
	if err != nil {
		return domain.Page[int64]{}, err
	}
	n := 50
	if size != nil {
		n = *size
	}
	if cursor == nil || *cursor == "" {
		return pageFrom[int64](n, backward, nil), nil
	}
	id, err := decodeIDCursor(field, cursorPrefix, *cursor)
	return pageFrom(n, backward, &id), err
}

func auditEntryModel(e domain.AuditEntry) *model.AuditEntry {
	ids := make([]string, len(e.RecordIDs))
	for i, id := range e.RecordIDs {
		ids[i] = strconv.FormatInt(id, 10)
	}
	var role *model.Role
	if e.Role != "" {
		r := roleModel(e.Role)
		role = &r
	}
	return &model.AuditEntry{
		ID:        strconv.FormatInt(e.ID, 10),
		At:        scalar.DateTime{Time: e.At},
		Subject:   e.Subject,
		Role:      role,
		Area:      e.Area,
		Action:    model.AuditAction(strings.ToUpper(string(e.Action))),
		Operation: e.Operation,
		Entity:    e.Entity,
		RecordIds: ids,
		Fields:    e.Fields,
		RequestID: e.RequestID,
	}
}

const auditCursorPrefix = "audit:"

// encodeIDCursor is the cursor of an append-only log's row id; prefix names the
// log, so a cursor of one log is refused by another.
func encodeIDCursor(prefix string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(prefix + strconv.FormatInt(id, 10)))
}

func decodeIDCursor(field, prefix, s string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil && len(b) > len(prefix) && string(b[:len(prefix)]) == prefix {
		if id, err := strconv.ParseInt(string(b[len(prefix):]), 10, 64); err == nil && id > 0 {
			return id, nil
		}
	}
	return 0, domain.Invalid(field, "is not a cursor of this connection")
}
