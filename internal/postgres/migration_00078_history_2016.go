package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/pressly/goose/v3"

	"treem/internal/postgres/refdata"
)

// migration00078 moves the start of the history from 2019 to 2016: commune
// facts may be declared for 2016 on, and a database whose units were loaded
// while the history began in 2019 gets the reference lists' versions as they
// now stand (every 2021 unit starting in 2016, cut by the 2019 type changes).
// A database created since, whose migration 00004 loaded the same lists, is
// left as it is.
var migration00078 = goose.NewGoMigration(78,
	&goose.GoFunc{RunTx: extendHistory},
	&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
		return fmt.Errorf("migration 00078 has no down step: the reference data loaded by 00004 would have to be reloaded")
	}})

// reshapeVersions gives each existing version the start, type and provenance
// of the reference lists' version of the same code that ends when it ends (a
// cut keeps the later part's end; versions of a code never overlap, so the end
// names the version), in one statement, since each statement on org_unit
// refreshes unit_district_2021. Shrinking first means that inserting the
// earlier parts afterwards never meets an overlapping version.
const reshapeVersions = `
UPDATE org_unit o SET valid_from = r.valid_from::date, unit_type = r.unit_type, provisional = r.provisional,
       source = r.source
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bool[], $6::text[])
     AS r(code, valid_to, valid_from, unit_type, provisional, source)
WHERE o.code = r.code AND o.valid_to IS NOT DISTINCT FROM NULLIF(r.valid_to, '')::date
  AND (o.valid_from, o.unit_type, o.provisional, o.source)
      IS DISTINCT FROM (r.valid_from::date, r.unit_type, r.provisional, r.source)`

func extendHistory(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `
ALTER TABLE commune_facts DROP CONSTRAINT commune_facts_year_check;
ALTER TABLE commune_facts ADD CONSTRAINT commune_facts_year_check CHECK (year BETWEEN 2016 AND 2100)`); err != nil {
		return fmt.Errorf("commune facts from 2016: %w", MapError(err))
	}
	data, err := refdata.Load()
	if err != nil {
		return err
	}
	var cols [5][]string
	var provisional []bool
	for _, u := range data.Units {
		validTo := ""
		if u.To != nil {
			validTo = dateText(*u.To)
		}
		for i, v := range []string{u.Code, validTo, dateText(u.From), u.Type, u.Source} {
			cols[i] = append(cols[i], v)
		}
		provisional = append(provisional, u.Provisional)
	}
	if _, err := tx.ExecContext(ctx, reshapeVersions, cols[0], cols[1], cols[2], cols[3], provisional, cols[4]); err != nil {
		return fmt.Errorf("reshape unit versions: %w", MapError(err))
	}
	have, err := loadedVersions(ctx, tx)
	if err != nil {
		return err
	}
	var missing refdata.Data
	for _, u := range data.Units {
		if !have[u.Key()] {
			missing.Units = append(missing.Units, u)
		}
	}
	edges, err := loadedEdges(ctx, tx)
	if err != nil {
		return err
	}
	for _, e := range data.Edges {
		if !edges[edgeKey(e)] {
			missing.Edges = append(missing.Edges, e)
		}
	}
	if len(missing.Units) == 0 && len(missing.Edges) == 0 {
		return nil
	}
	return insertRefdata(ctx, tx, missing)
}

func loadedVersions(ctx context.Context, tx *sql.Tx) (map[refdata.Key]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT code, valid_from FROM org_unit`)
	if err != nil {
		return nil, fmt.Errorf("read unit versions: %w", MapError(err))
	}
	defer rows.Close()
	have := map[refdata.Key]bool{}
	for rows.Next() {
		var k refdata.Key
		if err := rows.Scan(&k.Code, &k.From); err != nil {
			return nil, fmt.Errorf("read unit versions: %w", err)
		}
		have[refdata.Key{Code: k.Code, From: k.From.UTC()}] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read unit versions: %w", err)
	}
	return have, nil
}

// crosswalkEdge identifies a crosswalk row as its unique constraint does.
type crosswalkEdge struct {
	effective, fromCode, fromFrom, toCode, toFrom string
}

func edgeKey(e refdata.Edge) crosswalkEdge {
	fromFrom := ""
	if e.From != nil {
		fromFrom = dateText(e.From.From)
	}
	return crosswalkEdge{dateText(e.Effective), e.FromCode, fromFrom, e.To.Code, dateText(e.To.From)}
}

func loadedEdges(ctx context.Context, tx *sql.Tx) (map[crosswalkEdge]bool, error) {
	rows, err := tx.QueryContext(ctx, `
SELECT x.effective, x.from_code, f.valid_from, t.code, t.valid_from
FROM unit_crosswalk x
LEFT JOIN org_unit f ON f.id = x.from_unit_id
JOIN org_unit t ON t.id = x.to_unit_id`)
	if err != nil {
		return nil, fmt.Errorf("read crosswalk: %w", MapError(err))
	}
	defer rows.Close()
	have := map[crosswalkEdge]bool{}
	for rows.Next() {
		var effective, toFrom time.Time
		var fromFrom sql.NullTime
		var k crosswalkEdge
		if err := rows.Scan(&effective, &k.fromCode, &fromFrom, &k.toCode, &toFrom); err != nil {
			return nil, fmt.Errorf("read crosswalk: %w", err)
		}
		k.effective, k.toFrom = dateText(effective), dateText(toFrom)
		if fromFrom.Valid {
			k.fromFrom = dateText(fromFrom.Time)
		}
		have[k] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read crosswalk: %w", err)
	}
	return have, nil
}
