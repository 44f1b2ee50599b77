package postgres

// ChildStreamSQL is, for tests, the extraction query.
var ChildStreamSQL = childStreamSQL

// ChildSource is, for tests, what a child source reads: its FROM, and the
// unit and child columns.
type ChildSource struct{ From, Unit, Child string }

// ChildSources lists, for tests, every child source.
func ChildSources() []ChildSource {
	out := make([]ChildSource, len(childSources))
	for i, s := range childSources {
		out[i] = ChildSource{From: s.from, Unit: s.unit, Child: s.child}
	}
	return out
}
