package analytics

import (
	"context"

	"treem/internal/domain"
)

// Auditor records the analytics requests of roles below province officer.
type Auditor interface {
	RecordAnalytics(ctx context.Context, r domain.AnalyticsRequest) error
}

// WithAuditor makes s record every analytics request of a role below
// province officer through a, and returns s.
func (s *Service) WithAuditor(a Auditor) *Service {
	s.auditor = a
	return s
}

// record writes the audit row of one answered request; an answer that cannot
// be recorded is not given.
func (s *Service) record(ctx context.Context, operation string, params map[string]any, meta Meta) error {
	u := domain.UserFrom(ctx)
	if s.auditor == nil || u == nil || u.Role.SeesExactCounts() {
		return nil
	}
	r := domain.AnalyticsRequest{Subject: u.Subject, Role: u.Role, Area: u.Area, Operation: operation, Params: params,
		Populations: meta.Populations, RequestID: domain.RequestFrom(ctx).ID}
	if err := s.auditor.RecordAnalytics(ctx, r); err != nil {
		return domain.Wrap(err, domain.CodeUnavailable, "the analytics request could not be audited")
	}
	return nil
}
