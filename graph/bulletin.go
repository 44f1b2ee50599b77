package graph

import (
	"context"
	"fmt"

	"treem/graph/model"
	"treem/graph/scalar"
	"treem/internal/domain"
)

// Bulletins is the quarterly bulletin (bulletin.Service implements it); nil:
// its fields answer UNAVAILABLE.
type Bulletins interface {
	List(ctx context.Context) ([]domain.Bulletin, error)
	ByID(ctx context.Context, ids []int64) ([]domain.Bulletin, error)
	Create(ctx context.Context, year, quarter int, editorial string) (domain.Bulletin, error)
	Update(ctx context.Context, id int64, editorial string) (domain.Bulletin, error)
	Publish(ctx context.Context, id int64) (domain.Bulletin, error)
}

// bulletinPath is where an issue downloads, by format (html or pdf).
func bulletinPath(id int64, format string) string {
	return fmt.Sprintf("/export/bulletin/%d.%s", id, format)
}

func bulletinModel(b domain.Bulletin) *model.Bulletin {
	m := &model.Bulletin{ID: globalID(nodeBulletin, b.ID), Year: b.Year, Quarter: b.Quarter, Period: b.Period(),
		Status: enumOf[model.BulletinStatus](string(b.Status)), Editorial: b.Editorial,
		CreatedAt: scalar.DateTime{Time: b.CreatedAt}, Sections: []*model.BulletinSection{},
		HTMLURL: bulletinPath(b.ID, "html"), PDFURL: bulletinPath(b.ID, "pdf")}
	if b.PublishedAt != nil {
		m.PublishedAt = &scalar.DateTime{Time: *b.PublishedAt}
		m.RunID = &b.RunID
	}
	if b.Content != nil {
		for _, s := range b.Content.Sections {
			sec := &model.BulletinSection{Key: s.Key, Title: s.Title, Rows: make([]*model.BulletinRow, len(s.Rows))}
			if s.Note != "" {
				sec.Note = &s.Note
			}
			for i, r := range s.Rows {
				sec.Rows[i] = &model.BulletinRow{Label: r.Label, Value: r.Value, Unit: model.IndicatorUnit(r.Unit), Decimals: r.Decimals,
					Status: model.CellStatus(r.Status), Target: r.Target, MeetsTarget: r.Meets}
			}
			m.Sections = append(m.Sections, sec)
		}
	}
	return m
}

func bulletinPayload(b *model.Bulletin, errs []*model.UserError) *model.BulletinPayload {
	return &model.BulletinPayload{Bulletin: b, Errors: errs}
}

func (r *Resolver) bulletins(ctx context.Context) ([]*model.Bulletin, error) {
	if r.Bulletins == nil {
		return nil, errNoBulletins
	}
	bs, err := r.Bulletins.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*model.Bulletin, len(bs))
	for i, b := range bs {
		out[i] = bulletinModel(b)
	}
	return out, nil
}

var errNoBulletins = domain.Errorf(domain.CodeUnavailable, "the bulletin is not available on this server")

// writeBulletin runs one of the bulletin's writes and answers its payload:
// input problems in errors, other refusals as GraphQL errors.
func (r *Resolver) writeBulletin(ctx context.Context, gid string, write func(id int64) (domain.Bulletin, error)) (*model.BulletinPayload, error) {
	b, err := func() (*model.Bulletin, error) {
		if r.Bulletins == nil {
			return nil, errNoBulletins
		}
		var id int64
		if gid != "" {
			var err error
			if id, err = nodeID("id", nodeBulletin, gid); err != nil {
				return nil, err
			}
		}
		b, err := write(id)
		if err != nil {
			return nil, err
		}
		return bulletinModel(b), nil
	}()
	return answer(ctx, "", b, err, bulletinPayload)
}

func (r *Resolver) createBulletin(ctx context.Context, year, quarter int, editorial string) (*model.BulletinPayload, error) {
	return r.writeBulletin(ctx, "", func(int64) (domain.Bulletin, error) {
		return r.Bulletins.Create(ctx, year, quarter, nfc(editorial))
	})
}

func (r *Resolver) updateBulletin(ctx context.Context, id, editorial string) (*model.BulletinPayload, error) {
	return r.writeBulletin(ctx, id, func(id int64) (domain.Bulletin, error) { return r.Bulletins.Update(ctx, id, nfc(editorial)) })
}

func (r *Resolver) publishBulletin(ctx context.Context, id string) (*model.BulletinPayload, error) {
	return r.writeBulletin(ctx, id, func(id int64) (domain.Bulletin, error) { return r.Bulletins.Publish(ctx, id) })
}
