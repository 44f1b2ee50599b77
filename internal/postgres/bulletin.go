package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/domain"
)

// BulletinStore keeps the quarterly bulletin's issues. Its table's policies
// let every caller read published issues and province officers (scope all)
// read drafts and write.
type BulletinStore struct{ pool *pgxpool.Pool }

// NewBulletinStore returns a store on pool.
func NewBulletinStore(pool *pgxpool.Pool) *BulletinStore { return &BulletinStore{pool: pool} }

const bulletinColumns = "id, year, quarter, status, editorial, created_by, created_at, updated_at, published_by, published_at, run_id, content"

type bulletinRow struct {
	ID          int64      `db:"id"`
	Year        int        `db:"year"`
	Quarter     int        `db:"quarter"`
	Status      string     `db:"status"`
	Editorial   string     `db:"editorial"`
	CreatedBy   string     `db:"created_by"`
	CreatedAt   time.Time  `db:"created_at"`
	UpdatedAt   time.Time  `db:"updated_at"`
	PublishedBy *string    `db:"published_by"`
	PublishedAt *time.Time `db:"published_at"`
	RunID       *string    `db:"run_id"`
	Content     []byte     `db:"content"`
}

func (r bulletinRow) toDomain() (domain.Bulletin, error) {
	b := domain.Bulletin{ID: r.ID, Year: r.Year, Quarter: r.Quarter, Status: domain.BulletinStatus(r.Status),
		Editorial: r.Editorial, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		PublishedAt: r.PublishedAt}
	if r.PublishedBy != nil {
		b.PublishedBy = *r.PublishedBy
	}
	if r.RunID != nil {
		b.RunID = *r.RunID
	}
	if r.Content != nil {
		b.Content = &domain.BulletinContent{}
		if err := json.Unmarshal(r.Content, b.Content); err != nil {
			return b, fmt.Errorf("bulletin %d content: %w", r.ID, err)
		}
	}
	return b, nil
}

func scanBulletin(row pgx.CollectableRow) (domain.Bulletin, error) {
	r, err := pgx.RowToStructByName[bulletinRow](row)
	if err != nil {
		return domain.Bulletin{}, err
	}
	return r.toDomain()
}

// Bulletins lists the issues the scope sees, newest quarter first.
func (s *BulletinStore) Bulletins(ctx context.Context, scope domain.Scope) ([]domain.Bulletin, error) {
	out, err := readInArea(ctx, s.pool, scope, scanBulletin,
		"SELECT "+bulletinColumns+" FROM bulletin ORDER BY year DESC, quarter DESC", nil)
	if err != nil {
		return nil, fmt.Errorf("list bulletins: %w", err)
	}
	return out, nil
}

// Bulletin returns the issue id; NOT_FOUND when the scope does not see it (a
// draft, for any scope but the province's).
func (s *BulletinStore) Bulletin(ctx context.Context, scope domain.Scope, id int64) (domain.Bulletin, error) {
	out, err := s.BulletinsByID(ctx, scope, []int64{id})
	if err != nil {
		return domain.Bulletin{}, err
	}
	if len(out) == 0 {
		return domain.Bulletin{}, domain.Errorf(domain.CodeNotFound, "no such bulletin")
	}
	return out[0], nil
}

// BulletinsByID returns the issues among ids that the scope sees.
func (s *BulletinStore) BulletinsByID(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.Bulletin, error) {
	out, err := readInArea(ctx, s.pool, scope, scanBulletin, "SELECT "+bulletinColumns+" FROM bulletin WHERE id = ANY ($1)",
		[]any{ids})
	if err != nil {
		return nil, fmt.Errorf("read bulletins: %w", err)
	}
	return out, nil
}

// CreateBulletin writes a draft issue for a quarter; CONFLICT when the
// quarter has one already.
func (s *BulletinStore) CreateBulletin(ctx context.Context, scope domain.Scope, year, quarter int, editorial, by string) (domain.Bulletin, error) {
	var b domain.Bulletin
	err := inArea(ctx, s.pool, scope, false, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM bulletin WHERE year = $1 AND quarter = $2)", year, quarter).
			Scan(&exists); err != nil {
			return err
		}
		if exists {
			return &domain.Error{Code: domain.CodeConflict, Field: "quarter",
				Message: fmt.Sprintf("the bulletin of %s exists already: edit it", domain.QuarterPeriod(year, quarter))}
		}
		rows, err := tx.Query(ctx, `INSERT INTO bulletin (year, quarter, editorial, created_by) VALUES ($1, $2, $3, $4)
		  RETURNING `+bulletinColumns, year, quarter, editorial, by)
		if err != nil {
			return err
		}
		if b, err = pgx.CollectExactlyOneRow(rows, scanBulletin); err != nil {
			return err
		}
		return RecordWriteTx(ctx, tx, "Bulletin", []int64{b.ID}, []string{"year", "quarter", "editorial"})
	})
	if err != nil {
		return b, fmt.Errorf("create bulletin: %w", err)
	}
	return b, nil
}

// UpdateBulletin replaces a draft's editorial text; CONFLICT once published.
func (s *BulletinStore) UpdateBulletin(ctx context.Context, scope domain.Scope, id int64, editorial string) (domain.Bulletin, error) {
	b, err := s.changeDraft(ctx, scope, id, []string{"editorial"}, "UPDATE bulletin SET editorial = $2 WHERE id = $1", editorial)
	if err != nil {
		return b, fmt.Errorf("update bulletin: %w", err)
	}
	return b, nil
}

// PublishBulletin publishes a draft with its frozen content, drawn from run;
// CONFLICT when it is published already.
func (s *BulletinStore) PublishBulletin(ctx context.Context, scope domain.Scope, id int64, by, run string,
	content domain.BulletinContent) (domain.Bulletin, error) {
	doc, err := json.Marshal(content)
	if err != nil {
		return domain.Bulletin{}, fmt.Errorf("publish bulletin: %w", err)
	}
	b, err := s.changeDraft(ctx, scope, id, []string{"status", "publishedBy", "publishedAt", "runId", "content"},
		`UPDATE bulletin SET status = 'published', published_by = $2, published_at = now(), run_id = $3, content = $4
		 WHERE id = $1`, by, run, doc)
	if err != nil {
		return b, fmt.Errorf("publish bulletin: %w", err)
	}
	return b, nil
}

// changeDraft runs update (with $1 the id) on a draft locked first, records
// the fields written and returns the issue as it then is.
func (s *BulletinStore) changeDraft(ctx context.Context, scope domain.Scope, id int64, fields []string, update string,
	args ...any) (domain.Bulletin, error) {
	var b domain.Bulletin
	err := inArea(ctx, s.pool, scope, false, func(tx pgx.Tx) error {
		var status string
		err := tx.QueryRow(ctx, "SELECT status FROM bulletin WHERE id = $1 FOR UPDATE", id).Scan(&status)
		if err == pgx.ErrNoRows {
			return domain.Errorf(domain.CodeNotFound, "no such bulletin")
		} else if err != nil {
			return err
		}
		if domain.BulletinStatus(status) == domain.BulletinPublished {
			return &domain.Error{Code: domain.CodeConflict, Field: "id", Message: "the bulletin is published: it no longer changes"}
		}
		if _, err := tx.Exec(ctx, update, append([]any{id}, args...)...); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+bulletinColumns+" FROM bulletin WHERE id = $1", id)
		if err != nil {
			return err
		}
		if b, err = pgx.CollectExactlyOneRow(rows, scanBulletin); err != nil {
			return err
		}
		return RecordWriteTx(ctx, tx, "Bulletin", []int64{id}, fields)
	})
	return b, err
}
