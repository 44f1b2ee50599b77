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
	nodeChild                 = "Child"
	nodeCase                  = "ProtectionCase"
	nodeHousehold             = "Household"
	nodeInjury                = "Injury"
	nodeSupport               = "Support"
	nodeGiftVisit             = "GiftVisit"
	nodeSwimmingClass         = "SwimmingClass"
	nodeServicePoint          = "ServicePoint"
	nodeCommunicationActivity = "CommunicationActivity"
	nodeTrainingCourse        = "TrainingCourse"
	nodePlanActivity          = "PlanActivity"
	nodeReport                = "Report"
	nodeInspection            = "Inspection"
	nodeFinding               = "InspectionFinding"
	nodeRecommendation        = "InspectionRecommendation"
	nodeChildrenEvent         = "ChildrenEvent"
	nodeForumRecommendation   = "ForumRecommendation"
	nodeBulletin              = "Bulletin"
)

// nodeThunk is how nodesIn reads one record of a Node type: a thunk of the
// type's loader, registered at once, so that every id of the type given to
// one nodes call shares one statement.
type nodeThunk func(ctx context.Context, r *Resolver, l *loaders, id int64) func() (model.Node, error)

// nodeTypes are the Node types, each with its lookup: the loader the type's
// own lookup or list reads through, which applies the caller's area as the
// list does (and hides what it hides: deleted records, a deleted child's).
var nodeTypes = map[string]nodeThunk{
	nodeChild: func(ctx context.Context, _ *Resolver, l *loaders, id int64) func() (model.Node, error) {
		return asNode(l.children.LoadThunk(ctx, id), childModel)
	},
	nodeCase: func(ctx context.Context, r *Resolver, l *loaders, id int64) func() (model.Node, error) {
		return asNode(l.casesByID.LoadThunk(ctx, id), func(c domain.Case) *model.ProtectionCase { return caseModel(c, r.now()) })
	},
	nodeHousehold: func(ctx context.Context, _ *Resolver, l *loaders, id int64) func() (model.Node, error) {
		return asNode(l.households.LoadThunk(ctx, id), householdModel)
	},
	nodeInjury: func(ctx context.Context, _ *Resolver, l *loaders, id int64) func() (model.Node, error) {
		return asNode(l.injuriesByID.LoadThunk(ctx, id), injuryModel)
	},
	nodeSupport: func(ctx context.Context, _ *Resolver, l *loaders, id int64) func() (model.Node, error) {
		return asNode(l.supportsByID.LoadThunk(ctx, id), supportModel)
	},
	nodeGiftVisit: func(ctx context.Context, _ *Resolver, l *loaders, id int64) func() (model.Node, error) {
		return asNode(l.giftVisitsByID.LoadThunk(ctx, id), giftVisitModel)
	},
	nodeSwimmingClass: func(ctx context.Context, _ *Resolver, l *loaders, id int64) func() (model.Node, error) {
		return asNode(l.classesByID.LoadThunk(ctx, id), swimmingClassModel)
	},
	nodeServicePoint: func(ctx context.Context, _ *Resolver, l *loaders, id int64) func() (model.Node, error) {
		return asNode(l.servicePointsByID.LoadThunk(ctx, id), servicePointModel)
	},
	nodeCommunicationActivity: func(ctx context.Context, _ *Resolver, l *loaders, id int64) func() (model.Node, error) {
		return asNode(l.communicationsByID.LoadThunk(ctx, id), communicationModel)
	},
	nodeTrainingCourse: func(ctx context.Context, _ *Resolver, l *loaders, id int64) func() (model.Node, error) {
		return asNode(l.trainingCoursesByID.LoadThunk(ctx, id), trainingCourseModel)
	},
	nodePlanActivity: func(ctx context.Context, _ *Resolver, l *loaders, id int64) func() (model.Node, error) {
		return asNode(l.planActivitiesByID.LoadThunk(ctx, id), planActivityModel)
	},
	nodeReport: func(ctx context.Context, r *Resolver, l *loaders, id int64) func() (model.Node, error) {
		return asNode(l.reportsByID.LoadThunk(ctx, id), r.reportModel)
	},
	nodeInspection: func(ctx context.Context, _ *Resolver, l *loaders, id int64) func() (model.Node, error) {
		return asNode(l.inspectionsByID.LoadThunk(ctx, id), inspectionModel)
	},
	nodeFinding: func(ctx context.Context, _ *Resolver, l *loaders, id int64) func() (model.Node, error) {
		return asNode(l.findingsByID.LoadThunk(ctx, id), findingModel)
	},
	nodeRecommendation: func(ctx context.Context, r *Resolver, l *loaders, id int64) func() (model.Node, error) {
		return asNode(l.recommendationsByID.LoadThunk(ctx, id), r.recommendationModel)
	},
	nodeChildrenEvent: func(ctx context.Context, _ *Resolver, l *loaders, id int64) func() (model.Node, error) {
		return asNode(l.childrenEventsByID.LoadThunk(ctx, id), childrenEventModel)
	},
	nodeForumRecommendation: func(ctx context.Context, _ *Resolver, l *loaders, id int64) func() (model.Node, error) {
		return asNode(l.forumRecommendationsByID.LoadThunk(ctx, id), forumRecommendationModel)
	},
	nodeBulletin: func(ctx context.Context, _ *Resolver, l *loaders, id int64) func() (model.Node, error) {
		if l.bulletinsByID == nil {
			return func() (model.Node, error) { return nil, errNoBulletins }
		}
		return asNode(l.bulletinsByID.LoadThunk(ctx, id), bulletinModel)
	},
}

// asNode converts what a loader's thunk answers into a Node; a record the
// loader did not find keeps its dataloadgen.ErrNotFound.
func asNode[D any, M model.Node](load func() (D, error), conv func(D) M) func() (model.Node, error) {
	return func() (model.Node, error) {
		d, err := load()
		if err != nil {
			return nil, err
		}
		return conv(d), nil
	}
}

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
// rather than looked up as a number of this one.
func nodeID(field, want, s string) (int64, error) {
	if isNumber(s) {
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

// nodesIn looks every id up through its type's own lookup (nodeTypes), which
// applies the caller's role and area and whose personal fields the @personal
// directive audits. Every id is read before any lookup, so a malformed one
// answers no data. A record outside the area is null, as one that does not
// exist.
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
		if nodeTypes[typ] == nil {
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
		thunks[i] = nodeTypes[k.typ](ctx, r, l, k.id)
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
