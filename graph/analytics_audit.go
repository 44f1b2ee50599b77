package graph

import (
	"context"
	"encoding/json"
	"strconv"

	"treem/graph/model"
	"treem/graph/scalar"
	"treem/internal/domain"
)

// AnalyticsAuditLog reads the recorded analytics requests of roles below province
// officer (postgres.AnalyticsAudit implements it; the analytics service writes
// them through its own Auditor seam).
type AnalyticsAuditLog interface {
	List(ctx context.Context, f domain.AnalyticsAuditFilter, p domain.Page[int64]) ([]domain.AnalyticsRequest, bool, error)
	Count(ctx context.Context, f domain.AnalyticsAuditFilter) (int, error)
	RepeatedPopulations(ctx context.Context, f domain.RepeatedFilter, first int) ([]domain.RepeatedPopulation, error)
}

const analyticsAuditCursorPrefix = "analytics-audit:"

func (r *Resolver) analyticsAuditLog() (AnalyticsAuditLog, error) {
	if r.AnalyticsAuditLog == nil {
		return nil, domain.Errorf(domain.CodeUnavailable, "the analytics audit is not connected")
	}
	return r.AnalyticsAuditLog, nil
}

// analyticsAuditList lists recorded analytics requests for the analyticsAudit
// query; @auth restricts it to province officers.
func (r *Resolver) analyticsAuditList(ctx context.Context, args pageArgs, filter *model.AnalyticsAuditFilter) (*model.AnalyticsAuditConnection, error) {
	a, err := r.analyticsAuditLog()
	if err != nil {
		return nil, err
	}
	f, err := analyticsAuditFilter(filter)
	if err != nil {
		return nil, err
	}
	p, err := logPage(args, analyticsAuditCursorPrefix)
	if err != nil {
		return nil, err
	}
	reqs, more, err := a.List(ctx, f, p)
	if err != nil {
		return nil, err
	}
	conn := &model.AnalyticsAuditConnection{Edges: make([]*model.AnalyticsAuditEdge, len(reqs)),
		Counter: func(ctx context.Context) (int, error) { return a.Count(ctx, f) }}
	cursors := make([]string, len(reqs))
	for i, q := range reqs {
		node, err := analyticsRequestModel(q)
		if err != nil {
			return nil, err
		}
		cursors[i] = encodeIDCursor(analyticsAuditCursorPrefix, q.ID)
		conn.Edges[i] = &model.AnalyticsAuditEdge{Cursor: cursors[i], Node: node}
	}
	conn.PageInfo = pageInfo(cursors, p.Backward, more)
	return conn, nil
}

func analyticsAuditFilter(in *model.AnalyticsAuditFilter) (domain.AnalyticsAuditFilter, error) {
	var f domain.AnalyticsAuditFilter
	if in == nil {
		return f, nil
	}
	if in.Subject != nil {
		f.Subject = *in.Subject
	}
	if in.Operation != nil {
		f.Operation = *in.Operation
	}
	if in.Population != nil {
		f.Population = *in.Population
	}
	var err error
	f.From, f.To, err = dateWindow(in.From, in.To, "filter.to")
	return f, err
}

func analyticsRequestModel(q domain.AnalyticsRequest) (*model.AnalyticsRequest, error) {
	params, err := json.Marshal(q.Params)
	if err != nil {
		return nil, domain.Wrap(err, domain.CodeInternal, "recorded analytics arguments are not JSON")
	}
	return &model.AnalyticsRequest{
		ID:          strconv.FormatInt(q.ID, 10),
		At:          scalar.DateTime{Time: q.At},
		Subject:     q.Subject,
		Role:        roleModel(q.Role),
		Area:        q.Area,
		Operation:   q.Operation,
		Params:      string(params),
		Populations: q.Populations,
		RequestID:   q.RequestID,
	}, nil
}

// repeatedPopulations answers the repeatedPopulations query; @auth restricts
// it to province officers.
func (r *Resolver) repeatedPopulations(ctx context.Context, minPhrasings *int, from, to *scalar.Date, first *int) ([]*model.RepeatedPopulation, error) {
	a, err := r.analyticsAuditLog()
	if err != nil {
		return nil, err
	}
	f := domain.RepeatedFilter{MinPhrasings: 2}
	if minPhrasings != nil {
		f.MinPhrasings = *minPhrasings
	}
	if f.From, f.To, err = dateWindow(from, to, "to"); err != nil {
		return nil, err
	}
	n := 100
	if first != nil {
		n = *first
	}
	pops, err := a.RepeatedPopulations(ctx, f, n)
	if err != nil {
		return nil, err
	}
	out := make([]*model.RepeatedPopulation, len(pops))
	for i, p := range pops {
		out[i] = &model.RepeatedPopulation{Population: p.Population, Requests: p.Requests, Phrasings: p.Phrasings,
			Subjects: p.Subjects, FirstAt: scalar.DateTime{Time: p.First},
			LastAt: scalar.DateTime{Time: p.Last}}
	}
	return out, nil
}
