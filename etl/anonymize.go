package etl

import (
	"regexp"
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
// (cell group g>0 is groups[g-1]).
func Anonymize(a *Aggregator, units *Units, groups []string) []FactRow {
	rows := make([]FactRow, 0, a.Len()/4)
	months := map[int16]time.Time{}
	a.Each(func(k CellKey, v uint64) {
		u := units.Get(k.Unit)
		if u == nil {
			return
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
		rows = append(rows, FactRow{
			Month: month, UnitCode: u.Code, UnitValidFrom: u.ValidFrom.Time(),
			District2021: u.District2021, Sex: [...]string{"M", "F"}[k.Sex], AgeBand: ageBands[k.Band],
			GroupCode: group, Poverty: povertyNames[k.Poverty], Measure: measureNames[k.Measure], Value: v,
		})
	})
	return rows
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
