package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/domain"
)

// ListChildrenWithoutAreaFilter drops the Go-side area filter, so tests can
// show that row-level security alone keeps other areas out.
func (s *ChildStore) ListChildrenWithoutAreaFilter(ctx context.Context, scope domain.Scope, f domain.ChildFilter,
	o domain.ChildOrder, p domain.Page[domain.ChildKey]) ([]domain.Child, bool, error) {
	page, err := s.childrenPage(ctx, scope, f, o, p, false, false)
	return page.Children, page.More, err
}

// SetClock fixes the store's notion of now.
func (s *ChildStore) SetClock(now func() time.Time) { s.now = now }

// InArea exposes the row-level-security transaction to tests.
func InArea(ctx context.Context, pool *pgxpool.Pool, s domain.Scope, readOnly bool, fn func(tx pgx.Tx) error) error {
	return inArea(ctx, pool, s, readOnly, fn)
}

// PageWithoutAreaFilter is ChildrenPage with its total, under row-level
// security alone.
func (s *ChildStore) PageWithoutAreaFilter(ctx context.Context, scope domain.Scope, f domain.ChildFilter,
	o domain.ChildOrder, p domain.Page[domain.ChildKey]) (domain.ChildPage, error) {
	return s.childrenPage(ctx, scope, f, o, p, true, false)
}
