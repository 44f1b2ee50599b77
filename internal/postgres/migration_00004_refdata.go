package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/pressly/goose/v3"

	"treem/internal/domain"
	"treem/internal/postgres/refdata"
)

// migration00004 loads the org-unit versions and the reorganisation crosswalk
// from the embedded reference lists, in the migration's one transaction.
var migration00004 = goose.NewGoMigration(4,
	&goose.GoFunc{RunTx: loadRefdata},
	&goose.GoFunc{RunTx: unloadRefdata})

// insertUnits inserts one batch of versions; parents are found by code and start
// day, so a batch may only reference versions inserted by earlier batches.
const insertUnits = `
INSERT INTO org_unit (code, name, unit_type, level, parent_id, valid_from, valid_to, provisional, source)
SELECT u.code, u.name, u.unit_type, u.level::org_level, p.id, u.valid_from::date,
       NULLIF(u.valid_to, '')::date, u.provisional, u.source
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
            $9::text[], $10::bool[])
     AS u(code, name, unit_type, level, parent_code, parent_from, valid_from, valid_to, source, provisional)
LEFT JOIN org_unit p ON p.code = u.parent_code AND p.valid_from = NULLIF(u.parent_from, '')::date`

// insertEdges leaves out an edge whose old version is named but not found; the
// caller compares the count, so no edge goes missing silently.
const insertEdges = `
INSERT INTO unit_crosswalk (effective, from_unit_id, from_code, from_name, from_district, from_province,
                            to_unit_id, relation, provisional, note)
SELECT e.effective::date, f.id, e.from_code, e.from_name, e.from_district, e.from_province,
       t.id, e.relation, e.provisional, e.note
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
            $9::text[], $10::text[], $11::bool[])
     AS e(effective, from_code, from_from, from_name, from_district, from_province, to_code, to_from,
          relation, note, provisional)
LEFT JOIN org_unit f ON f.code = e.from_code AND f.valid_from = NULLIF(e.from_from, '')::date
LEFT JOIN org_unit t ON t.code = e.to_code AND t.valid_from = e.to_from::date
WHERE e.from_from = '' OR f.id IS NOT NULL`

func loadRefdata(ctx context.Context, tx *sql.Tx) error {
	data, err := refdata.Load()
	if err != nil {
		return err
	}
	return insertRefdata(ctx, tx, data)
}

// insertRefdata inserts the versions, level by level, then the edges.
func insertRefdata(ctx context.Context, tx *sql.Tx, data refdata.Data) error {
	for _, level := range []domain.Level{domain.LevelProvince, domain.LevelDistrict, domain.LevelCommune} {
		var cols [9][]string
		var provisional []bool
		for _, u := range data.Units {
			if u.Level != level {
				continue
			}
			parentCode, parentFrom := "", ""
			if u.Parent != nil {
				parentCode, parentFrom = u.Parent.Code, dateText(u.Parent.From)
			}
			validTo := ""
			if u.To != nil {
				validTo = dateText(*u.To)
			}
			for i, v := range []string{u.Code, u.Name, u.Type, string(u.Level), parentCode, parentFrom,
				dateText(u.From), validTo, u.Source} {
				cols[i] = append(cols[i], v)
			}
			provisional = append(provisional, u.Provisional)
		}
		res, err := tx.ExecContext(ctx, insertUnits, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5],
			cols[6], cols[7], cols[8], provisional)
		if err != nil {
			return fmt.Errorf("load %s units: %w", level, MapError(err))
		}
		if n, _ := res.RowsAffected(); n != int64(len(provisional)) {
			return fmt.Errorf("load %s units: inserted %d of %d", level, n, len(provisional))
		}
	}

	var cols [10][]string
	var provisional []bool
	for _, e := range data.Edges {
		fromFrom := ""
		if e.From != nil {
			fromFrom = dateText(e.From.From)
		}
		for i, v := range []string{dateText(e.Effective), e.FromCode, fromFrom, e.FromName, e.FromDistrict,
			e.FromProvince, e.To.Code, dateText(e.To.From), e.Relation, e.Note} {
			cols[i] = append(cols[i], v)
		}
		provisional = append(provisional, e.Provisional)
	}
	res, err := tx.ExecContext(ctx, insertEdges, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5],
		cols[6], cols[7], cols[8], cols[9], provisional)
	if err != nil {
		return fmt.Errorf("load crosswalk: %w", MapError(err))
	}
	if n, _ := res.RowsAffected(); n != int64(len(provisional)) {
		return fmt.Errorf("load crosswalk: inserted %d of %d edges (an old unit version was not found)", n, len(provisional))
	}
	return nil
}

func unloadRefdata(ctx context.Context, tx *sql.Tx) error {
	for _, q := range []string{`DELETE FROM unit_crosswalk`, `DELETE FROM org_unit`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("unload reference data: %w", MapError(err))
		}
	}
	return nil
}

func dateText(t time.Time) string { return t.Format(time.DateOnly) }
