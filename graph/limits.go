package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/introspection"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"treem/internal/domain"
)

// eachField calls fn for every field of set, fragments expanded, until fn
// returns false. queryLimits has bounded the expanded fields before the
// extensions below walk them again.
func eachField(set ast.SelectionSet, fn func(*ast.Field) bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if !fn(s) {
				return false
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && !eachField(s.Definition.SelectionSet, fn) {
				return false
			}
		case *ast.InlineFragment:
			if !eachField(s.SelectionSet, fn) {
				return false
			}
		}
	}
	return true
}

// complexityLimit refuses operations whose complexity exceeds limit. gqlgen's
// own calculation skips __schema and prices __type by guessed list lengths,
// so one introspection costs nothing and a hundred aliased ones answer
// megabytes; here both are priced by the fields they answer with.
type complexityLimit struct {
	limit int
	es    graphql.ExecutableSchema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = &complexityLimit{}

func (*complexityLimit) ExtensionName() string { return "ComplexityLimit" }

func (c *complexityLimit) Validate(es graphql.ExecutableSchema) error {
	c.es = es
	return nil
}

// introspectionRoots are the introspection fields priced by introspectionCost
// instead of gqlgen's calculation.
var introspectionRoots = map[string]struct{}{"Query.__type": {}}

func (c *complexityLimit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	n := complexity.Calculate(ctx, c.es, oc.Operation, oc.Variables, complexity.WithIgnoreFields(introspectionRoots))
	if n <= c.limit {
		ic := introspectionCounter{schema: c.es.Schema(), vars: oc.Variables, budget: c.limit - n}
		ic.root(oc.Operation.SelectionSet)
		n = saturatingAdd(n, ic.n)
	}
	if n > c.limit {
		return protocolError(domain.CodeTooComplex,
			fmt.Sprintf("the operation is more complex than the limit of %d: ask for fewer or smaller lists", c.limit))
	}
	return nil
}

// introspectionCounter counts the fields that an operation's __schema and
// __type selections answer with, walking the schema as the executor would.
// It stops once past budget, so pricing a hostile query costs at most budget
// steps.
type introspectionCounter struct {
	schema    *ast.Schema
	vars      map[string]any
	n, budget int
}

func (c *introspectionCounter) over() bool { return c.n > c.budget }

// count adds one answered field and reports whether the walk goes on.
func (c *introspectionCounter) count() bool {
	c.n++
	return !c.over()
}

func (c *introspectionCounter) root(set ast.SelectionSet) {
	eachField(set, func(f *ast.Field) bool {
		switch f.Name {
		case "__schema":
			if c.count() {
				c.schemaFields(introspection.WrapSchema(c.schema), f.SelectionSet)
			}
		case "__type":
			name, _ := f.ArgumentMap(c.vars)["name"].(string)
			if def := c.schema.Types[name]; c.count() && def != nil {
				c.typeFields(introspection.WrapTypeFromDef(c.schema, def), f.SelectionSet)
			}
		}
		return !c.over()
	})
}

func (c *introspectionCounter) schemaFields(s *introspection.Schema, set ast.SelectionSet) {
	eachField(set, func(f *ast.Field) bool {
		if !c.count() {
			return false
		}
		switch f.Name {
		case "types":
			for _, t := range s.Types() {
				if c.typeFields(&t, f.SelectionSet); c.over() {
					return false
				}
			}
		case "queryType":
			c.typeFields(s.QueryType(), f.SelectionSet)
		case "mutationType":
			if c.schema.Mutation != nil {
				c.typeFields(s.MutationType(), f.SelectionSet)
			}
		case "subscriptionType":
			if c.schema.Subscription != nil {
				c.typeFields(s.SubscriptionType(), f.SelectionSet)
			}
		case "directives":
			for _, d := range s.Directives() {
				eachField(f.SelectionSet, func(g *ast.Field) bool {
					if c.count() && g.Name == "args" {
						c.inputValues(d.Args, g.SelectionSet)
					}
					return !c.over()
				})
				if c.over() {
					return false
				}
			}
		}
		return !c.over()
	})
}

func (c *introspectionCounter) typeFields(t *introspection.Type, set ast.SelectionSet) {
	eachField(set, func(f *ast.Field) bool {
		if !c.count() {
			return false
		}
		switch f.Name {
		case "fields":
			for _, fd := range t.Fields(true) {
				eachField(f.SelectionSet, func(g *ast.Field) bool {
					if !c.count() {
						return false
					}
					switch g.Name {
					case "args":
						c.inputValues(fd.Args, g.SelectionSet)
					case "type":
						c.typeFields(fd.Type, g.SelectionSet)
					}
					return !c.over()
				})
			}
		case "inputFields":
			c.inputValues(t.InputFields(), f.SelectionSet)
		case "interfaces":
			c.types(t.Interfaces(), f.SelectionSet)
		case "possibleTypes":
			c.types(t.PossibleTypes(), f.SelectionSet)
		case "enumValues":
			for range t.EnumValues(true) {
				if c.leaves(f.SelectionSet); c.over() {
					return false
				}
			}
		case "ofType":
			if of := t.OfType(); of != nil {
				c.typeFields(of, f.SelectionSet)
			}
		}
		return !c.over()
	})
}

func (c *introspectionCounter) types(ts []introspection.Type, set ast.SelectionSet) {
	for _, t := range ts {
		if c.typeFields(&t, set); c.over() {
			return
		}
	}
}

// inputValues counts the selection of __InputValue (arguments, input fields)
// for each value.
func (c *introspectionCounter) inputValues(vs []introspection.InputValue, set ast.SelectionSet) {
	for _, v := range vs {
		eachField(set, func(f *ast.Field) bool {
			if c.count() && f.Name == "type" {
				c.typeFields(v.Type, f.SelectionSet)
			}
			return !c.over()
		})
		if c.over() {
			return
		}
	}
}

// leaves counts a selection of scalar fields.
func (c *introspectionCounter) leaves(set ast.SelectionSet) {
	eachField(set, func(*ast.Field) bool { return c.count() })
}

// plainText refuses control characters (U+0000–U+001F and U+007F) in string
// arguments, variables included, before any resolver runs: a NUL reaches
// Postgres as an encoding error, and no name, code or filter holds the others.
// Arguments and input fields declared @multiline are free text, where tabs and
// line breaks are allowed; a NUL never is.
type plainText struct{ schema *ast.Schema }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = &plainText{}

func (*plainText) ExtensionName() string { return "PlainText" }

func (p *plainText) Validate(es graphql.ExecutableSchema) error {
	p.schema = es.Schema()
	return nil
}

func (p *plainText) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	var err *gqlerror.Error
	var visit func(set ast.SelectionSet) bool
	visit = func(set ast.SelectionSet) bool {
		return eachField(set, func(f *ast.Field) bool {
			for _, a := range f.Arguments {
				v, verr := a.Value.Value(oc.Variables)
				if verr != nil || f.Definition == nil {
					continue // validation has refused it already
				}
				def := f.Definition.Arguments.ForName(a.Name)
				if def == nil {
					continue
				}
				if path, r, bad := controlIn(p.schema, v, def.Type, multiline(def.Directives), a.Name); bad {
					err = &gqlerror.Error{
						Message: fmt.Sprintf("argument %s holds the control character U+%04X: only free text may hold tabs and line breaks, "+
							"and no argument a NUL or another control character", path, r),
						Extensions: map[string]any{"code": string(domain.CodeInvalidInput), "field": path},
					}
					return false
				}
			}
			return visit(f.SelectionSet)
		})
	}
	visit(oc.Operation.SelectionSet)
	return err
}

func multiline(ds ast.DirectiveList) bool { return ds.ForName("multiline") != nil }

// controlIn finds the first refused control character in the value v of type
// typ, and the argument path that holds it (list indexes left out).
func controlIn(schema *ast.Schema, v any, typ *ast.Type, free bool, path string) (string, rune, bool) {
	switch x := v.(type) {
	case string:
		if r, bad := domain.ControlChar(x, free); bad {
			return path, r, true
		}
	case []any:
		elem := typ
		if typ.Elem != nil {
			elem = typ.Elem
		}
		for _, e := range x {
			if p, r, bad := controlIn(schema, e, elem, free, path); bad {
				return p, r, true
			}
		}
	case map[string]any:
		def := schema.Types[typ.Name()]
		if def == nil {
			return "", 0, false
		}
		for k, e := range x {
			fd := def.Fields.ForName(k)
			if fd == nil {
				continue
			}
			if p, r, bad := controlIn(schema, e, fd.Type, multiline(fd.Directives), path+"."+k); bad {
				return p, r, true
			}
		}
	}
	return "", 0, false
}
