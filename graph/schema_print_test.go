package graph_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/extension"

	"treem/graph"
)

// specLocations are the directive locations of the GraphQL specification
// (October 2021, §3.13). Client libraries build their schema from an
// introspection answer and refuse a location outside this list: graphql-core
// 3.2 fails in build_client_schema with "deprecated locations must be
// specified as a collection of DirectiveLocation enum values", and Python
// analysts could not load the schema.
var specLocations = map[string]bool{
	"QUERY": true, "MUTATION": true, "SUBSCRIPTION": true, "FIELD": true, "FRAGMENT_DEFINITION": true,
	"FRAGMENT_SPREAD": true, "INLINE_FRAGMENT": true, "VARIABLE_DEFINITION": true,
	"SCHEMA": true, "SCALAR": true, "OBJECT": true, "FIELD_DEFINITION": true, "ARGUMENT_DEFINITION": true,
	"INTERFACE": true, "UNION": true, "ENUM": true, "ENUM_VALUE": true, "INPUT_OBJECT": true,
	"INPUT_FIELD_DEFINITION": true,
}

// TestIntrospectedDirectivesUseSpecLocations: every directive the server's
// introspection answer lists (ours and the built-in ones) names only
// locations of the specification. The parser's built-in @deprecated also
// lists DIRECTIVE_DEFINITION, which is why schema.graphqls declares
// @deprecated itself.
func TestIntrospectedDirectivesUseSpecLocations(t *testing.T) {
	const q = `{ __schema { directives { name locations } } }`
	ex := executor.New(graph.NewExecutableSchema(graph.Config{Resolvers: &graph.Resolver{}}))
	ex.Use(extension.Introspection{})
	ctx := graphql.StartOperationTrace(context.Background())
	oc, errs := ex.CreateOperationContext(ctx, &graphql.RawParams{Query: q})
	if errs != nil {
		t.Fatal(errs)
	}
	h, ctx := ex.DispatchOperation(ctx, oc)
	resp := h(ctx)
	if len(resp.Errors) > 0 {
		t.Fatal(resp.Errors)
	}
	var data struct {
		Schema struct {
			Directives []struct {
				Name      string
				Locations []string
			}
		} `json:"__schema"`
	}
	if err := json.Unmarshal(resp.Data, &data); err != nil {
		t.Fatal(err)
	}
	if len(data.Schema.Directives) == 0 {
		t.Fatal("introspection lists no directive: the test checks nothing")
	}
	for _, d := range data.Schema.Directives {
		for _, loc := range d.Locations {
			if !specLocations[loc] {
				t.Errorf("directive @%s lists location %s, which the GraphQL specification lacks", d.Name, loc)
			}
		}
	}
}
