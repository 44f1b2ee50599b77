package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"treem/internal/domain"
)

// OperationObserver receives one observation per GraphQL operation (metrics).
type OperationObserver interface {
	ObserveOperation(operation, code string, d time.Duration)
}

// Options configure the GraphQL handler. Zero limits take the defaults below.
type Options struct {
	Resolver *Resolver
	Log      *slog.Logger
	Observer OperationObserver // nil: no metrics

	ComplexityLimit int // DefaultComplexityLimit
	MaxDepth        int // DefaultMaxDepth
	MaxFields       int // DefaultMaxFields: selected fields, aliases included
	TokenLimit      int // DefaultTokenLimit: parser tokens per document
	Introspection   bool

	APQCacheSize int // DefaultAPQCacheSize
	// Persisted maps a query's SHA-256 (hex) to its text: the trusted documents.
	Persisted map[string]string
	// OnlyPersisted refuses any query that is not in Persisted (and disables APQ,
	// which would let a client register new queries).
	OnlyPersisted bool
}

// Defaults of Options.
const (
	// GraphiQL's introspection query answers some 10,000 fields of this schema
	// and counts toward the limit like any other: twice that leaves the schema
	// room to grow.
	DefaultComplexityLimit = 20000
	DefaultMaxDepth        = 12
	DefaultMaxFields       = 1000 // the dashboard's scorecard asks every indicator in one request, some 23 fields each
	DefaultTokenLimit      = 15000
	DefaultAPQCacheSize    = 1000
	// DefaultListSize is the assumed length of a list field without `first`.
	DefaultListSize = 10
)

// NewHandler returns the /graphql handler: POST JSON and GET (queries only) as
// the GraphQL-over-HTTP spec asks (transport.go), limits, error presenter,
// recover, audit.
func NewHandler(o Options) (http.Handler, error) {
	if o.Resolver == nil || o.Resolver.Auditor == nil {
		return nil, errors.New("graph: a resolver with an Auditor is required")
	}
	if o.Log == nil {
		return nil, errors.New("graph: a logger is required")
	}
	if o.OnlyPersisted && len(o.Persisted) == 0 {
		return nil, domain.Errorf(domain.CodeInvalidInput, "only persisted queries requested but none are loaded")
	}
	setDefault(&o.ComplexityLimit, DefaultComplexityLimit)
	setDefault(&o.MaxDepth, DefaultMaxDepth)
	setDefault(&o.MaxFields, DefaultMaxFields)
	setDefault(&o.TokenLimit, DefaultTokenLimit)
	setDefault(&o.APQCacheSize, DefaultAPQCacheSize)

	es := costed{NewExecutableSchema(Config{Resolvers: o.Resolver, Directives: Directives()})}
	srv := handler.New(es)
	srv.AddTransport(overHTTP{log: o.Log})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetParserTokenLimit(o.TokenLimit)
	// "Did you mean …" suggestions would reveal the schema introspection hides.
	srv.SetDisableSuggestion(!o.Introspection)
	srv.SetErrorPresenter(errorPresenter(o.Log))
	srv.SetRecoverFunc(recoverFunc(o.Log))

	if len(o.Persisted) > 0 {
		srv.Use(trustedDocuments{docs: o.Persisted, only: o.OnlyPersisted})
	}
	if !o.OnlyPersisted {
		srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](o.APQCacheSize)})
	}
	if o.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(queryLimits{maxDepth: o.MaxDepth, maxFields: o.MaxFields, introspection: o.Introspection})
	srv.Use(&complexityLimit{limit: o.ComplexityLimit})
	srv.Use(&plainText{})
	// Response middlewares run outermost first: observe sees the final response,
	// including an audit failure that withheld the data.
	srv.AroundResponses(observe(o.Log, o.Observer))
	srv.AroundResponses(auditReads(o.Log, o.Resolver.Auditor))
	srv.AroundFields(auditDisclosures)
	// Each operation gets its own dataloaders (graph/loaders.go).
	srv.AroundResponses(o.Resolver.withLoaders)
	return srv, nil
}

func setDefault(v *int, def int) {
	if *v <= 0 {
		*v = def
	}
}

// operationName names the operation in ctx for logs, metrics and the audit log.
func operationName(ctx context.Context) string {
	if !graphql.HasOperationContext(ctx) {
		return ""
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.OperationName != "" {
		return oc.OperationName
	}
	if oc.Operation != nil {
		return oc.Operation.Name
	}
	return ""
}

// auditReads gives the operation a collector for @personal reads, runs it, and
// appends the reads to the audit log in one batch. Field resolution happens
// inside next, so the collector sees every read. If the append fails, the data
// is withheld: personal data is never served unaudited.
func auditReads(log *slog.Logger, a Auditor) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		req := domain.RequestFrom(ctx)
		req.Operation = operationName(ctx)
		ctx = domain.WithRequest(ctx, req)
		r := &reads{}
		resp := next(withReads(ctx, r))
		entries := r.entries(ctx)
		if len(entries) == 0 {
			return resp
		}
		if err := a.Append(ctx, entries...); err != nil {
			log.ErrorContext(ctx, "audit append failed: response withheld", "request_id", req.ID, "err", err)
			code, msg := domain.CodeUnavailable, "the audit log is unavailable, so personal data is withheld"
			if o, ok := domain.Overload(ctx, err); ok {
				code, msg = o.Code, o.Message+"; personal data is withheld"
			}
			return &graphql.Response{Errors: gqlerror.List{{
				Message:    msg,
				Extensions: map[string]any{"code": string(code)},
			}}}
		}
		return resp
	}
}

// observe logs one line per operation (name, code, duration, role; never
// variables or data) and feeds the metrics.
func observe(log *slog.Logger, obs OperationObserver) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		resp := next(ctx)
		if resp == nil {
			return nil
		}
		d := time.Since(graphql.GetStartTime(ctx))
		code := "OK"
		if len(resp.Errors) > 0 {
			code, _ = resp.Errors[0].Extensions["code"].(string)
		}
		op := operationName(ctx)
		role := "anonymous"
		if u := domain.UserFrom(ctx); u != nil {
			role = string(u.Role)
		}
		log.InfoContext(ctx, "graphql", "request_id", domain.RequestFrom(ctx).ID, "operation", op,
			"code", code, "errors", len(resp.Errors), "role", role, "duration", d)
		if obs != nil {
			obs.ObserveOperation(op, code, d)
		}
		return resp
	}
}

// costed prices fields for the complexity limit: a field with a `first` or
// `last` argument costs its selection times that size; other list fields cost
// their selection times DefaultListSize, except the edges/nodes lists of a
// connection, whose size was already counted on the connection field.
type costed struct{ graphql.ExecutableSchema }

func (c costed) Complexity(ctx context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
	if n, ok := c.ExecutableSchema.Complexity(ctx, typeName, field, child, args); ok {
		return n, ok
	}
	def := c.Schema().Types[typeName]
	if def == nil {
		return 0, false
	}
	fd := def.Fields.ForName(field)
	if fd == nil {
		return 0, false
	}
	n, ok := c.listCost(typeName, fd, child, args)
	if a := fd.Arguments.ForName("filter"); a != nil && treeFilters[a.Type.Name()] {
		if !ok { // gqlgen's own price of a field
			n, ok = saturatingAdd(1, child), true
		}
		// Each sub-filter of an and/or tree is conditions and set searches
		// (names, circumstances, cases) of its own in the list's statement,
		// and the count's: priced as much, whatever the page size, so that
		// aliases cannot repeat the largest tree at will.
		n = saturatingAdd(n, saturatingMul(SubFilterCost, filterCount(args["filter"])-1))
	}
	return n, ok
}

// SubFilterCost is what each and/or sub-filter of an operational list's
// filter adds to the operation's complexity: the largest tree the limits
// allow (20 filters) costs 3,800 of the default limit of 20,000.
const SubFilterCost = 200

// treeFilters are the filter input types with and/or sub-filters.
var treeFilters = map[string]bool{"ChildFilter": true, "CaseFilter": true, "EventFilter": true}

// filterCount counts the filters of a tree given as an argument value: the
// top one and every one of its and/or lists, at any depth (1 for no filter).
func filterCount(v any) int {
	f, _ := v.(map[string]any)
	n := 1
	for _, name := range []string{"and", "or"} {
		subs, _ := f[name].([]any)
		for _, sub := range subs {
			n = saturatingAdd(n, filterCount(sub))
		}
	}
	return n
}

// listCost prices a field by its page size or list type (see costed).
func (c costed) listCost(typeName string, fd *ast.FieldDefinition, child int, args map[string]any) (int, bool) {
	n, ok := intArg(args["first"])
	if !ok {
		n, ok = intArg(args["last"])
	}
	if ok {
		return saturatingAdd(1, saturatingMul(child, max(n, 1))), true
	}
	if fd.Type.Elem == nil {
		return 0, false
	}
	if strings.HasSuffix(typeName, "Connection") {
		return saturatingAdd(1, child), true
	}
	return saturatingAdd(1, saturatingMul(child, DefaultListSize)), true
}

func intArg(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case int32:
		return int(n), true
	case float64:
		return int(n), true
	case json.Number:
		i, err := n.Int64()
		return int(i), err == nil
	}
	return 0, false
}

const maxCost = int(^uint(0) >> 2)

func saturatingMul(a, b int) int {
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > maxCost/b {
		return maxCost
	}
	return a * b
}

func saturatingAdd(a, b int) int {
	if a > maxCost-b {
		return maxCost
	}
	return a + b
}

// queryLimits refuses operations nested deeper than maxDepth or selecting more
// than maxFields fields (aliases, introspection and __typename included,
// fragments expanded), asking for __schema more than once (its answer is the
// same, and each copy is the largest answer there is), and introspection when
// it is off, before any resolver runs. The walk stops at the first excess, so
// fragment bombs cost at most maxFields steps.
type queryLimits struct {
	maxDepth, maxFields int
	introspection       bool
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = queryLimits{}

func (queryLimits) ExtensionName() string                   { return "QueryLimits" }
func (queryLimits) Validate(graphql.ExecutableSchema) error { return nil }

func (l queryLimits) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	w := limitWalker{limits: l}
	w.walk(oc.Operation.SelectionSet, 1)
	return w.err
}

type limitWalker struct {
	limits          queryLimits
	fields, schemas int
	err             *gqlerror.Error
}

func (w *limitWalker) walk(set ast.SelectionSet, depth int) {
	for _, sel := range set {
		if w.err != nil {
			return
		}
		switch s := sel.(type) {
		case *ast.Field:
			if (s.Name == "__schema" || s.Name == "__type") && !w.limits.introspection {
				w.err = protocolError(domain.CodeForbidden, "introspection is disabled on this server")
				return
			}
			if s.Name == "__schema" {
				if w.schemas++; w.schemas > 1 {
					w.err = protocolError(domain.CodeTooComplex, "the operation asks for __schema more than once (the limit is 1)")
					return
				}
			}
			w.fields++
			if w.fields > w.limits.maxFields {
				w.err = protocolError(domain.CodeTooComplex,
					fmt.Sprintf("the operation selects more than %d fields (aliases count)", w.limits.maxFields))
				return
			}
			if depth > w.limits.maxDepth {
				w.err = protocolError(domain.CodeTooComplex,
					fmt.Sprintf("the operation is nested deeper than %d levels", w.limits.maxDepth))
				return
			}
			next := depth + 1
			if s.Name == "ofType" && s.ObjectDefinition != nil && s.ObjectDefinition.Name == "__Type" {
				// The wrappers of a type reference spell one type ([Child!]! is
				// three): GraphiQL asks for nine of them, one level deeper each,
				// and they answer null past the schema's deepest wrapping. They
				// still count as fields and toward the complexity.
				next = depth
			}
			w.walk(s.SelectionSet, next)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				w.walk(s.Definition.SelectionSet, depth)
			}
		case *ast.InlineFragment:
			w.walk(s.SelectionSet, depth)
		}
	}
}

// trustedDocuments resolves persisted-query hashes from the manifest and, when
// only is set, refuses every other query.
type trustedDocuments struct {
	docs map[string]string
	only bool
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = trustedDocuments{}

func (trustedDocuments) ExtensionName() string                   { return "TrustedDocuments" }
func (trustedDocuments) Validate(graphql.ExecutableSchema) error { return nil }

func (t trustedDocuments) MutateOperationParameters(_ context.Context, raw *graphql.RawParams) *gqlerror.Error {
	if pq, ok := raw.Extensions["persistedQuery"].(map[string]any); ok {
		hash, _ := pq["sha256Hash"].(string)
		if q, ok := t.docs[strings.ToLower(hash)]; ok {
			if raw.Query != "" && raw.Query != q {
				return protocolError(domain.CodeInvalidInput, "the query does not match its persisted hash")
			}
			raw.Query = q
			delete(raw.Extensions, "persistedQuery") // resolved here, not by APQ
			return nil
		}
	}
	if !t.only {
		return nil
	}
	if raw.Query != "" {
		if _, ok := t.docs[queryHash(raw.Query)]; ok {
			return nil
		}
	}
	return protocolError(domain.CodeForbidden, "this server accepts only persisted queries")
}

func protocolError(code domain.Code, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": string(code)}}
}

func queryHash(q string) string {
	sum := sha256.Sum256([]byte(q))
	return hex.EncodeToString(sum[:])
}

// LoadPersisted reads a trusted-documents manifest: a JSON object mapping each
// query's SHA-256 (hex) to its text. A hash that does not match its query is
// refused, so the manifest cannot smuggle in a different document.
func LoadPersisted(r io.Reader) (map[string]string, error) {
	var m map[string]string
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		return nil, domain.Wrap(err, domain.CodeInvalidInput, "the persisted-query manifest is not a JSON object of hash → query")
	}
	docs := make(map[string]string, len(m))
	for hash, q := range m {
		h := strings.ToLower(hash)
		if queryHash(q) != h {
			return nil, domain.Errorf(domain.CodeInvalidInput,
				"persisted query %s: the hash is not the SHA-256 of its text", hash)
		}
		docs[h] = q
	}
	if len(docs) == 0 {
		return nil, domain.Errorf(domain.CodeInvalidInput, "the persisted-query manifest is empty")
	}
	return docs, nil
}
