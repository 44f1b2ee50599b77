package graph

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"

	"github.com/vikstrous/dataloadgen"

	"treem/graph/model"
	"treem/internal/domain"
)

// The GraphQL types a global id may name: the Node types.
const (
	nodeChild = "Child"
	nodeCase  = "ProtectionCase"
)

// globalID is the id a Node shows: base64url of "Type:number". It is encoded,
// not sealed like a cursor: clients' caches key records by it, so it must stay
// the same across requests and key changes, and it guards nothing, since every
// lookup applies the caller's area whatever id it is given.
func globalID(typ string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + strconv.FormatInt(id, 10)))
}

// parseGlobalID splits the global id given in field into its type and number.
func parseGlobalID(field, s string) (string, int64, error) {
	bad := domain.Invalid(field, "not a valid id")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", 0, bad
	}
	typ, num, _ := strings.Cut(string(raw), ":")
	id, err := strconv.ParseInt(num, 10, 64)
	// Only the form globalID writes: one id, one spelling.
	if err != nil || id <= 0 || typ == "" || strconv.FormatInt(id, 10) != num {
		return "", 0, bad
	}
	return typ, id, nil
}

// isNumber reports whether s is a bare decimal id, the form ids took before
// they were global.
func isNumber(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// nodeID reads the id given in field of a record of type want: its global id
// or, for one release, the bare number. An id of another type is refused
// rather than looked up as a number of this one. An empty want names a type
// that is not a Node, whose id is its number.
func nodeID(field, want, s string) (int64, error) {
	if isNumber(s) || want == "" {
		return parseID(field, s)
	}
	typ, id, err := parseGlobalID(field, s)
	if err != nil {
		return 0, err
	}
	if typ != want {
		return 0, domain.Invalid(field, "must be the id of a %s", want)
	}
	return id, nil
}

// node answers node(id) as nodes answers one id.
func (r *Resolver) node(ctx context.Context, id string) (model.Node, error) {
	out, err := r.nodesIn(ctx, "id", []string{id})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

func (r *Resolver) nodes(ctx context.Context, ids []string) ([]model.Node, error) {
	if len(ids) > domain.PageMax {
		return nil, domain.Invalid("ids", "at most %d ids", domain.PageMax)
	}
	return r.nodesIn(ctx, "ids", ids)
}

// nodesIn looks every id up through its type's own lookup, which applies the
// caller's role and area and whose personal fields the @personal directive
// audits. Every id is read before any lookup, so a malformed one answers no
// data. A record outside the area is null, as one that does not exist.
func (r *Resolver) nodesIn(ctx context.Context, field string, ids []string) ([]model.Node, error) {
	type key struct {
		typ string
		id  int64
	}
	keys := make([]key, len(ids))
	for i, s := range ids {
		typ, id, err := parseGlobalID(field, s)
		if err != nil {
			return nil, err
		}
		if typ != nodeChild && typ != nodeCase {
			return nil, domain.Invalid(field, "not a valid id")
		}
		keys[i] = key{typ, id}
	}
	out := make([]model.Node, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	// The role first: a role without records is refused, not answered nulls.
	if _, err := r.scope(ctx); err != nil {
		return nil, err
	}
	l, err := loadersFrom(ctx)
	if err != nil {
		return nil, err
	}
	// Every thunk before any wait, so that the ids of one type share one statement.
	thunks := make([]func() (model.Node, error), len(keys))
	for i, k := range keys {
		switch k.typ {
		case nodeChild:
			load := l.children.LoadThunk(ctx, k.id)
			thunks[i] = func() (model.Node, error) { return childResult(load()) }
		case nodeCase:
			load := l.casesByID.LoadThunk(ctx, k.id)
			thunks[i] = func() (model.Node, error) { return r.caseResult(load()) }
		}
	}
	for i, load := range thunks {
		n, err := load()
		if errors.Is(err, dataloadgen.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}
