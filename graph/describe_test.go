package graph_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"treem/graph"
)

// TestSchemaIsFullyDescribed: every element of schema.graphqls that GraphiQL,
// Apollo or graphql-codegen show (types, scalars, fields, arguments, input
// fields, enum values, directives and their arguments) carries a description.
// It reads the schema the server executes, so a description missing from the
// generated code fails too; the prelude (built-in scalars, directives and the
// introspection types) is not ours to describe and is left out.
func TestSchemaIsFullyDescribed(t *testing.T) {
	s := graph.NewExecutableSchema(graph.Config{}).Schema()
	ours := func(p *ast.Position) bool { return p != nil && p.Src != nil && !p.Src.BuiltIn }
	described := func(d string) bool { return strings.TrimSpace(d) != "" }

	type tally struct{ described, total int }
	counts := map[string]*tally{}
	var missing []string
	check := func(kind, name, desc string) {
		c := counts[kind]
		if c == nil {
			c = &tally{}
			counts[kind] = c
		}
		c.total++
		if described(desc) {
			c.described++
		} else {
			missing = append(missing, kind+" "+name)
		}
	}
	args := func(owner string, list ast.ArgumentDefinitionList) {
		for _, a := range list {
			check("argument", owner+"("+a.Name+":)", a.Description)
		}
	}

	for _, name := range sortedKeys(s.Types) {
		def := s.Types[name]
		if def.BuiltIn || strings.HasPrefix(name, "__") || !ours(def.Position) {
			continue
		}
		kind := "type"
		if def.Kind == ast.Scalar {
			kind = "scalar"
		}
		check(kind, name, def.Description)
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue // __typename, __schema, __type
			}
			if def.Kind == ast.InputObject {
				check("input field", name+"."+f.Name, f.Description)
				continue
			}
			check("field", name+"."+f.Name, f.Description)
			args(name+"."+f.Name, f.Arguments)
		}
		for _, v := range def.EnumValues {
			check("enum value", name+"."+v.Name, v.Description)
		}
	}
	for _, name := range sortedKeys(s.Directives) {
		d := s.Directives[name]
		if !ours(d.Position) {
			continue
		}
		check("directive", "@"+name, d.Description)
		args("@"+name, d.Arguments)
	}

	var total, done int
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		c := counts[k]
		t.Logf("%-12s %4d / %4d described", k+"s", c.described, c.total)
		total += c.total
		done += c.described
	}
	t.Logf("%-12s %4d / %4d described (%.1f %%)", "all", done, total, 100*float64(done)/float64(max(total, 1)))
	if total == 0 {
		t.Fatal("no schema element found: the filter is wrong")
	}
	for _, m := range missing {
		t.Errorf("no description: %s", m)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
