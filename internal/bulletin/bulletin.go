// Package bulletin drafts, publishes and renders the quarterly bulletin "Trẻ
// em như búp trên cành" (plan 2021, item 9). Its numbers come from the
// analytics service, computed as an analyst would receive them whoever
// publishes: a published issue is read by leaders and every other role, so
// no number below disclosure control may reach it. Publishing freezes the
// numbers with the ETL run they were drawn from.
package bulletin

import (
	"context"
	"time"

	"treem/internal/analytics"
	"treem/internal/clickhouse"
	"treem/internal/domain"
	"treem/internal/indicators"
)

// Store keeps the issues (postgres.BulletinStore implements it).
type Store interface {
	Bulletins(ctx context.Context, scope domain.Scope) ([]domain.Bulletin, error)
	Bulletin(ctx context.Context, scope domain.Scope, id int64) (domain.Bulletin, error)
	BulletinsByID(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.Bulletin, error)
	CreateBulletin(ctx context.Context, scope domain.Scope, year, quarter int, editorial, by string) (domain.Bulletin, error)
	UpdateBulletin(ctx context.Context, scope domain.Scope, id int64, editorial string) (domain.Bulletin, error)
	PublishBulletin(ctx context.Context, scope domain.Scope, id int64, by, run string, content domain.BulletinContent) (domain.Bulletin, error)
}

// Analytics is what the content is drawn from (analytics.Service implements it).
type Analytics interface {
	Catalogue() *indicators.Catalogue
	IndicatorValues(ctx context.Context, req analytics.IndicatorValuesRequest) (*analytics.IndicatorValuesAnswer, error)
	CompareDistricts(ctx context.Context, indicator, period string) (*analytics.Comparison, error)
	CompareUnits(ctx context.Context, indicator, period, level, within string) (*analytics.UnitComparison, error)
	Aggregate(ctx context.Context, measures []string, dims []analytics.Breakdown, f analytics.AggregateFilter) (*analytics.AggregateAnswer, error)
	CommunicationByChannel(ctx context.Context, year, quarter int, district, level, within string) (*analytics.ChannelAnswer, error)
	ChildFriendly(ctx context.Context, year int, district string) (*analytics.ChildFriendlyAnswer, error)
}

// Runs tells the warehouse's latest ETL run (clickhouse.Reader implements it).
type Runs interface {
	LastRun(ctx context.Context) (clickhouse.Run, error)
}

// Service is the bulletin's use cases. Without a warehouse (an or runs nil)
// issues are listed and drafted, but neither published nor previewed.
type Service struct {
	store Store
	an    Analytics
	runs  Runs

	auditor analytics.Auditor
}

// New returns the service over store, drawing numbers from an and checking
// the runs of runs.
func New(store Store, an Analytics, runs Runs) *Service {
	return &Service{store: store, an: an, runs: runs}
}

// scope is the caller's view of the issues: the province's (drafts too) for a
// province officer, the published issues for every other role.
func scope(ctx context.Context) (domain.Scope, *domain.User, error) {
	u := domain.UserFrom(ctx)
	if u == nil {
		return domain.Scope{}, nil, domain.Errorf(domain.CodeUnauthenticated, "sign in to read the bulletin")
	}
	if u.Role == domain.RoleProvinceOfficer {
		return domain.Scope{All: true}, u, nil
	}
	return domain.Scope{UnitIDs: []int{}}, u, nil
}

// editor is scope for the writes, which province officers alone make.
func editor(ctx context.Context) (domain.Scope, *domain.User, error) {
	sc, u, err := scope(ctx)
	if err == nil && !sc.All {
		err = domain.Errorf(domain.CodeForbidden, "only province officers edit the bulletin")
	}
	return sc, u, err
}

// List returns the issues the caller sees, newest first.
func (s *Service) List(ctx context.Context) ([]domain.Bulletin, error) {
	sc, _, err := scope(ctx)
	if err != nil {
		return nil, err
	}
	return s.store.Bulletins(ctx, sc)
}

// Get returns one issue the caller sees; NOT_FOUND otherwise.
func (s *Service) Get(ctx context.Context, id int64) (domain.Bulletin, error) {
	sc, _, err := scope(ctx)
	if err != nil {
		return domain.Bulletin{}, err
	}
	return s.store.Bulletin(ctx, sc, id)
}

// ByID returns the issues among ids that the caller sees.
func (s *Service) ByID(ctx context.Context, ids []int64) ([]domain.Bulletin, error) {
	sc, _, err := scope(ctx)
	if err != nil {
		return nil, err
	}
	return s.store.BulletinsByID(ctx, sc, ids)
}

// Create drafts a quarter's issue.
func (s *Service) Create(ctx context.Context, year, quarter int, editorial string) (domain.Bulletin, error) {
	sc, u, err := editor(ctx)
	if err != nil {
		return domain.Bulletin{}, err
	}
	if err := domain.ValidateBulletin(year, quarter, editorial); err != nil {
		return domain.Bulletin{}, err
	}
	return s.store.CreateBulletin(ctx, sc, year, quarter, editorial, u.Subject)
}

// Update replaces a draft's editorial text.
func (s *Service) Update(ctx context.Context, id int64, editorial string) (domain.Bulletin, error) {
	sc, _, err := editor(ctx)
	if err != nil {
		return domain.Bulletin{}, err
	}
	if err := domain.ValidateEditorial(editorial); err != nil {
		return domain.Bulletin{}, err
	}
	return s.store.UpdateBulletin(ctx, sc, id, editorial)
}

// Publish draws a draft's numbers from the latest run and freezes them. The
// latest run that ended must have succeeded and finished after the
// quarter's end, having loaded its last month: otherwise the issue would
// report a quarter the warehouse does not fully hold.
func (s *Service) Publish(ctx context.Context, id int64) (domain.Bulletin, error) {
	sc, u, err := editor(ctx)
	if err != nil {
		return domain.Bulletin{}, err
	}
	b, err := s.store.Bulletin(ctx, sc, id)
	if err != nil {
		return b, err
	}
	if b.Status == domain.BulletinPublished {
		return b, &domain.Error{Code: domain.CodeConflict, Field: "id", Message: "the bulletin is published already"}
	}
	if s.runs == nil || s.an == nil {
		return b, analytics.ErrNotConnected
	}
	run, err := s.runs.LastRun(ctx)
	if err != nil {
		return b, err
	}
	if err := fresh(run, b.Year, b.Quarter); err != nil {
		return b, err
	}
	content, err := s.content(ctx, b.Year, b.Quarter)
	if err != nil {
		return b, err
	}
	// The numbers must come from the run checked: a run that landed in
	// between would be cited without its check.
	if content.RunID != run.RunID {
		return b, domain.Errorf(domain.CodeConflict, "an ETL run landed while the bulletin was drawn: publish again")
	}
	return s.store.PublishBulletin(ctx, sc, id, u.Subject, run.RunID, *content)
}

// fresh refuses a run that cannot back the quarter's issue.
func fresh(run clickhouse.Run, year, quarter int) error {
	end := domain.QuarterEnd(year, quarter)
	lastMonth := time.Date(year, time.Month(3*quarter), 1, 0, 0, 0, 0, time.UTC)
	switch {
	case run.RunID == "":
		return domain.Errorf(domain.CodeUnavailable, "no ETL run has loaded the warehouse yet")
	case run.Status != "succeeded":
		return &domain.Error{Code: domain.CodeConflict, Field: "id",
			Message: "the latest ETL run (" + run.RunID + ") failed: run the ETL again before publishing"}
	case run.FinishedAt.Before(end) || run.MonthsTo.Before(lastMonth):
		return &domain.Error{Code: domain.CodeConflict, Field: "id",
			Message: "the latest ETL run (" + run.RunID + ") is older than the end of " + domain.QuarterPeriod(year, quarter) +
				": run the ETL after the quarter before publishing"}
	}
	return nil
}

// Content is the issue's numbers: frozen once published, drawn now for a
// draft (which only province officers see).
func (s *Service) Content(ctx context.Context, b domain.Bulletin) (*domain.BulletinContent, error) {
	if b.Content != nil {
		return b.Content, nil
	}
	if s.an == nil {
		return nil, analytics.ErrNotConnected
	}
	return s.content(ctx, b.Year, b.Quarter)
}

// WithAuditor makes s record every download of an issue by a role below
// province officer through a, as the analytics service records its answers,
// and returns s.
func (s *Service) WithAuditor(a analytics.Auditor) *Service {
	s.auditor = a
	return s
}

// Issue returns an issue the caller sees with its numbers (frozen, or drawn
// now for a draft), for a download.
func (s *Service) Issue(ctx context.Context, id int64) (domain.Bulletin, *domain.BulletinContent, error) {
	b, err := s.Get(ctx, id)
	if err != nil {
		return b, nil, err
	}
	c, err := s.Content(ctx, b)
	if err != nil {
		return b, nil, err
	}
	u := domain.UserFrom(ctx)
	if s.auditor != nil && !u.Role.SeesExactCounts() {
		r := domain.AnalyticsRequest{Subject: u.Subject, Role: u.Role, Area: u.Area, Operation: "bulletin",
			Params: map[string]any{"id": id, "period": b.Period()}, Populations: []string{}, RequestID: domain.RequestFrom(ctx).ID}
		if err := s.auditor.RecordAnalytics(ctx, r); err != nil {
			return b, nil, domain.Wrap(err, domain.CodeUnavailable, "the download could not be audited")
		}
	}
	return b, c, nil
}
