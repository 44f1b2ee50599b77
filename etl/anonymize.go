package etl

import (
	"regexp"
	"strings"
	"time"

	"treem/internal/indicators"
)

// FactBlock is a block of fact_child_month rows, column by column: only
// dimensions and a count. Its slices are reused from block to block.
type FactBlock struct {
	Month, UnitValidFrom                                              []time.Time
	UnitCode, District2021, Sex, AgeBand, GroupCode, Poverty, Measure []string
	Value                                                             []int64  // a count, or a change to one
	CKey                                                              []uint32 // sum of the records' keys
}

// columns returns the block's columns in the order of factColumns, with
// runIDs (one per row) as run_id.
func (b *FactBlock) columns(runIDs []string) []any {
	return []any{b.Month, b.UnitCode, b.UnitValidFrom, b.District2021, b.Sex, b.AgeBand, b.GroupCode, b.Poverty,
		b.Measure, b.Value, b.CKey, runIDs}
}

// halves splits the block in two that share its rows (one when it holds
// fewer than two rows).
func (b *FactBlock) halves() []*FactBlock {
	n := b.Len()
	if n < 2 {
		return []*FactBlock{b}
	}
	return []*FactBlock{b.rows(0, n/2), b.rows(n/2, n)}
}

// rows is the block's rows lo to hi (excluded), sharing its slices.
func (b *FactBlock) rows(lo, hi int) *FactBlock {
	return &FactBlock{Month: b.Month[lo:hi], UnitValidFrom: b.UnitValidFrom[lo:hi], UnitCode: b.UnitCode[lo:hi],
		District2021: b.District2021[lo:hi], Sex: b.Sex[lo:hi], AgeBand: b.AgeBand[lo:hi], GroupCode: b.GroupCode[lo:hi],
		Poverty: b.Poverty[lo:hi], Measure: b.Measure[lo:hi], Value: b.Value[lo:hi], CKey: b.CKey[lo:hi]}
}

// Len is the number of rows in the block.
func (b *FactBlock) Len() int { return len(b.Value) }

// newFactBlock returns an empty block with room for size rows: a block
// grown row by row would copy itself over and over.
func newFactBlock(size int) *FactBlock {
	return &FactBlock{Month: make([]time.Time, 0, size), UnitValidFrom: make([]time.Time, 0, size),
		UnitCode: make([]string, 0, size), District2021: make([]string, 0, size), Sex: make([]string, 0, size),
		AgeBand: make([]string, 0, size), GroupCode: make([]string, 0, size), Poverty: make([]string, 0, size),
		Measure: make([]string, 0, size), Value: make([]int64, 0, size), CKey: make([]uint32, 0, size)}
}

func (b *FactBlock) reset() {
	*b = FactBlock{Month: b.Month[:0], UnitValidFrom: b.UnitValidFrom[:0], UnitCode: b.UnitCode[:0],
		District2021: b.District2021[:0], Sex: b.Sex[:0], AgeBand: b.AgeBand[:0], GroupCode: b.GroupCode[:0],
		Poverty: b.Poverty[:0], Measure: b.Measure[:0], Value: b.Value[:0], CKey: b.CKey[:0]}
}

// Anonymize turns cells into warehouse rows, in blocks of at most size rows
// handed to emit: the unit version id becomes its public code and start
// date, the dimension indexes their codes; each row carries its cell key.
// groups are the circumstance group codes (cell group g>0 is groups[g-1]). It
// stops at emit's first error and returns it, and returns the number of rows
// emitted. It fills two blocks in turn, so a block handed to emit is left
// alone until emit has returned for the next one: emit may go on reading it
// meanwhile.
func Anonymize(cells CellSeq, units *Units, groups []string, size int, emit func(*FactBlock) error) (int, error) {
	blocks := [2]*FactBlock{newFactBlock(min(size, blockRows))}
	filling := 0
	b := blocks[0]
	var err error
	n := 0
	months := map[int16]time.Time{}
	for k, v := range cells {
		u := units.Get(k.Unit)
		if u == nil {
			continue
		}
		group := ""
		if k.Group > 0 && int(k.Group) <= len(groups) {
			group = groups[k.Group-1]
		}
		month, ok := months[k.Month]
		if !ok {
			month = MonthStart(int(k.Month)).Time()
			months[k.Month] = month
		}
		b.Month, b.UnitValidFrom = append(b.Month, month), append(b.UnitValidFrom, u.ValidFrom.Time())
		b.UnitCode, b.District2021 = append(b.UnitCode, u.Code), append(b.District2021, u.District2021)
		b.Sex, b.AgeBand = append(b.Sex, indicators.Sexes[k.Sex]), append(b.AgeBand, indicators.AgeBands[k.Band])
		b.GroupCode, b.Poverty = append(b.GroupCode, group), append(b.Poverty, povertyNames[k.Poverty])
		b.Measure, b.Value, b.CKey = append(b.Measure, k.Measure.Name()), append(b.Value, v.N), append(b.CKey, v.Key)
		n++
		if b.Len() >= size {
			if err = emit(b); err != nil {
				return n, err
			}
			filling = 1 - filling
			if blocks[filling] == nil {
				blocks[filling] = newFactBlock(min(size, blockRows))
			}
			b = blocks[filling]
			b.reset()
		}
	}
	if b.Len() > 0 {
		err = emit(b)
	}
	return n, err
}

// identifying matches column names that would hold personal data.
var identifying = regexp.MustCompile(`(?i)(name|birth|address|addr|phone|mobile|email|identity|passport|` +
	`card_number|certificate|child_id|household_id|person|citizen|cccd|cmnd|street|note|comment|text|dob)`)

// allowedNames are columns that match a pattern but hold no personal data: a
// unit's public name, a migration's file name.
var allowedNames = map[string]bool{"dim_unit.name": true, "schema_migrations.name": true}

// IdentifyingColumn reports whether a warehouse column could identify a child,
// from its table, name and type: a personal-data name, an id of a person, or
// an exact date that is not a period or validity date.
func IdentifyingColumn(table, column, typ string) bool {
	col := strings.ToLower(column)
	if allowedNames[table+"."+col] {
		return false
	}
	if identifying.MatchString(col) {
		return true
	}
	if strings.HasSuffix(col, "_id") && col != "run_id" {
		return true
	}
	if strings.Contains(typ, "Date") {
		switch col {
		case "month", "valid_from", "valid_to", "unit_valid_from", "from_valid_from", "to_valid_from", "started_at",
			"finished_at", "snapshot_at", "months_to", "applied_at", "published_at":
			return false
		}
		return true
	}
	return false
}

// idLike matches values that look like identifiers of people: long digit
// runs (identity, card or phone numbers), card-number shapes, UUIDs.
var idLike = regexp.MustCompile(`^([0-9]{7,}|[A-Z]{2}[0-9]{10,}|[0-9a-f]{8}-[0-9a-f]{4}-.*)$`)

// IDLikeValues returns how many of values look like identifiers of people.
func IDLikeValues(values []string) int {
	n := 0
	for _, v := range values {
		if idLike.MatchString(v) {
			n++
		}
	}
	return n
}
