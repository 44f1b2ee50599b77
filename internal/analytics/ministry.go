package analytics

import (
	"context"
	"time"

	"treem/internal/period"
)

// Statistics is the periodic statistics on children for the Ministry (plan
// 2021, item 11: monthly, quarterly, half-yearly and yearly): the periodic
// report's items for the whole province and for each unit that reports on
// the period's last day (the 2021 districts, then from 1 July 2025 the
// communes and wards).
type Statistics struct {
	Period   period.Period
	LastDay  time.Time
	Level    string // "district" or "commune"
	Province []ReportItem
	Units    []ReportUnit // Items and Since; no submission
	Meta     Meta
}

// MinistryStatistics counts the Ministry's statistics over one month,
// quarter, half year or year, under the caller's disclosure rule; the answer
// is recorded in the analytics audit like every other.
func (s *Service) MinistryStatistics(ctx context.Context, periodStr string) (*Statistics, error) {
	pol, err := s.policy(ctx)
	if err != nil {
		return nil, err
	}
	p, err := period.Parse("period", periodStr)
	if err != nil {
		return nil, err
	}
	meta, ix, err := s.meta(ctx, pol)
	if err != nil {
		return nil, err
	}
	last := p.End().AddDate(0, 0, -1)
	st, err := s.statistics(ctx, pol, ix, p, last, true)
	if err != nil {
		return nil, err
	}
	meta.Approximate, meta.Populations = st.approximate, st.populations
	out := &Statistics{Period: p, LastDay: last, Level: st.level, Province: st.province, Meta: meta}
	for _, u := range st.units {
		out.Units = append(out.Units, ReportUnit{Unit: u, Items: st.items[u.Code], Since: st.since[u.Code]})
	}
	if err := s.record(ctx, "ministryStatistics", map[string]any{"period": periodStr}, out.Meta); err != nil {
		return nil, err
	}
	return out, nil
}
