package etl

import (
	"regexp"
	"sort"
	"strings"
	"time"
)

// FactRow is one row of fact_child_month: only dimensions and a count.
type FactRow struct {
	Month         time.Time
	UnitCode      string
	UnitValidFrom time.Time
	District2021  string
	Sex           string
	AgeBand       string
	GroupCode     string
	Poverty       string
	Measure       string
	Value         uint64
}

// Anonymize turns the counted cells into warehouse rows: the unit version id
// becomes its public code and start date, the dimension indexes their codes;
// cells with value 0 are not stored. groups are the circumstance group codes
// (cell group g>0 is groups[g-1]). Rows come out in a deterministic order.
func Anonymize(cells map[CellKey]uint64, units *Units, groups []string) []FactRow {
	keys := make([]CellKey, 0, len(cells))
	for k, v := range cells {
		if v > 0 {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return lessKey(keys[i], keys[j]) })
	rows := make([]FactRow, 0, len(keys))
	for _, k := range keys {
		u := units.Get(k.Unit)
		if u == nil {
			continue
		}
		group := ""
		if k.Group > 0 && int(k.Group) <= len(groups) {
			group = groups[k.Group-1]
		}
		rows = append(rows, FactRow{
			Month: MonthStart(int(k.Month)).Time(), UnitCode: u.Code, UnitValidFrom: u.ValidFrom.Time(),
			District2021: u.District2021, Sex: [...]string{"M", "F"}[k.Sex], AgeBand: ageBands[k.Band],
			GroupCode: group, Poverty: povertyNames[k.Poverty], Measure: measureNames[k.Measure], Value: cells[k],
		})
	}
	return rows
}

func lessKey(a, b CellKey) bool {
	if a.Unit != b.Unit {
		return a.Unit < b.Unit
	}
	if a.Month != b.Month {
		return a.Month < b.Month
	}
	if a.Measure != b.Measure {
		return a.Measure < b.Measure
	}
	if a.Group != b.Group {
		return a.Group < b.Group
	}
	if a.Sex != b.Sex {
		return a.Sex < b.Sex
	}
	if a.Band != b.Band {
		return a.Band < b.Band
	}
	return a.Poverty < b.Poverty
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
		case "month", "valid_from", "valid_to", "unit_valid_from", "started_at", "finished_at", "snapshot_at",
			"months_to", "applied_at":
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
