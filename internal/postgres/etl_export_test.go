package postgres

import "treem/internal/extract"

// ChildStreamSQL is, for tests, the extraction query.
var ChildStreamSQL = streamRangeSQL

// RowsChangedBy is, for tests, the kinds of rows a change to a table alters.
var RowsChangedBy = rowsChangedBy

// ChildSource is, for tests, what a child source reads: its FROM, the unit
// and child columns, the SQL that reads its tables, and the kind of rows it
// fills.
type ChildSource struct {
	From, Unit, Child, SQL string
	Rows                   extract.Rows
}

// ChildSources lists, for tests, every child source.
func ChildSources() []ChildSource {
	out := make([]ChildSource, len(childSources))
	for i, s := range childSources {
		out[i] = ChildSource{From: s.from, Unit: s.unit, Child: s.child, Rows: s.rows(),
			SQL: "FROM " + s.from + " " + s.poverty + " " + s.live}
	}
	return out
}
