package postgres

import (
	"slices"
	"testing"

	"treem/internal/domain"
)

// TestQueryBuilder holds the one WHERE builder every filtered list uses
// (audit log, analytics audit, cases, children): conditions joined by AND,
// "$?" numbered in the order values arrive, values only ever as arguments.
func TestQueryBuilder(t *testing.T) {
	tests := []struct {
		name  string
		build func(q *query)
		where string
		args  []any
	}{
		{"none", func(q *query) {}, "", nil},
		{"fixed", func(q *query) { q.and("closed_at IS NULL") }, " WHERE closed_at IS NULL", nil},
		{"two", func(q *query) {
			q.and("subject = $?", "ann")
			q.and("at < $?", 7)
		}, " WHERE subject = $1 AND at < $2", []any{"ann", 7}},
		{"pair in one condition", func(q *query) {
			q.and("x = $?", "a")
			q.and("(d, id) < ($?::date, $?::bigint)", "2021-03-01", int64(9))
		}, " WHERE x = $1 AND (d, id) < ($2::date, $3::bigint)", []any{"a", "2021-03-01", int64(9)}},
		{"a user string stays an argument", func(q *query) { q.and("subject = $?", "x' OR '1'='1") },
			" WHERE subject = $1", []any{"x' OR '1'='1"}},
		{"whole province adds nothing", func(q *query) { q.inUnits("c.commune_id", domain.Scope{All: true}) }, "", nil},
		{"units", func(q *query) {
			q.and("deleted_at IS NULL")
			q.inUnits("c.commune_id", domain.Scope{UnitIDs: []int{4, 11}})
		}, " WHERE deleted_at IS NULL AND c.commune_id = ANY($1)", []any{[]int32{4, 11}}},
		{"no unit is an empty array", func(q *query) { q.inUnits("u", domain.Scope{}) },
			" WHERE u = ANY($1)", []any{[]int32{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var q query
			tt.build(&q)
			if got := q.whereSQL(); got != tt.where {
				t.Errorf("whereSQL = %q, want %q", got, tt.where)
			}
			if !slices.EqualFunc(q.args, tt.args, equalArg) {
				t.Errorf("args = %#v, want %#v", q.args, tt.args)
			}
		})
	}
	// A parameter outside the WHERE, such as a LIMIT, numbers after the conditions.
	var q query
	q.and("id < $?", int64(50))
	if got := q.whereSQL() + " LIMIT " + q.arg(21); got != " WHERE id < $1 LIMIT $2" {
		t.Errorf("limit after conditions: %q", got)
	}
}

func equalArg(a, b any) bool {
	if x, ok := a.([]int32); ok {
		y, ok := b.([]int32)
		return ok && slices.Equal(x, y)
	}
	return a == b
}
