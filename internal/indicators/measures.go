package indicators

import (
	"slices"
	"sort"

	"treem/internal/period"
)

// Aggregation says how a measure's months combine into a period.
type Aggregation string

// Stock measures report the state at the end of the period's last month; flow
// measures add the months up; year measures come from commune-year facts.
const (
	Stock Aggregation = "stock"
	Flow  Aggregation = "flow"
	Year  Aggregation = "year"
)

// Measure is one measure of the warehouse contract's fact_child_month.
type Measure struct {
	Name        string
	Aggregation Aggregation
	// Grouped measures are also written per circumstance group.
	Grouped bool
	// Sensitive measures take the stricter disclosure threshold.
	Sensitive bool
	// AnyGroup lists the circumstance groups of a stock that counts a child
	// once while it is in any of them (summing the groups' rows would count a
	// child in two of them twice).
	AnyGroup []string
	// Distinct flows count children, not events: a child counts once per
	// month and unit. Adding months up would count a child with events in two
	// months twice, so the warehouse also holds a variant per longer period
	// kind (see Variant), which counts the child once per period and unit, in
	// the month of its first event there.
	Distinct bool
	// VariantOf is the distinct flow a variant belongs to ("" for others).
	// Variants are read through Variant, never asked for by name.
	VariantOf string
}

// variantSuffixes name the variants of a distinct flow by period kind; a
// month reads the flow itself.
var variantSuffixes = map[period.Kind]string{period.Quarter: "_quarter", period.Half: "_half", period.Year: "_year"}

// Variant returns the measure whose months, added up over exactly one
// calendar period of kind k, count m: a distinct flow's variant for k, else m
// itself.
func (m Measure) Variant(k period.Kind) string {
	if !m.Distinct {
		return m.Name
	}
	return m.Name + variantSuffixes[k]
}

// measures is the warehouse contract's list (fact_child_month.measure).
var measures = func() map[string]Measure {
	m := map[string]Measure{}
	add := func(a Aggregation, sensitive bool, names ...string) {
		for _, n := range names {
			m[n] = Measure{Name: n, Aggregation: a, Sensitive: sensitive}
		}
	}
	add(Stock, false, "children", "birth_registered", "insured", "special", "special_supported", "measured_u5",
		"underweight_u5", "stunted_u5", "checked_up", "preschool_5", "swim_trained")
	add(Flow, false, "births", "turned_one", "turned_one_immunised", "injured", "injury_deaths", "drowning_deaths",
		"cases_opened", "cases_opened_violence", "cases_opened_exploitation", "cases_opened_abandonment",
		"cases_opened_neglect", "cases_opened_other", "cases_closed", "cases_emergency_late", "supported",
		"support_events", "swim_enrolled", "swim_completed", "gift_visits")
	// Abuse, sexual abuse and trafficking counts are sensitive whatever the group.
	add(Flow, true, "abused", "cases_opened_sexual_abuse", "cases_opened_trafficking", "cases_6_2", "cases_6_2_timely")
	// Criterion 4 of Decision 06/QĐ-TTg: children in conflict with the law or
	// drug-addicted, both sensitive groups.
	m["special_law_drug"] = Measure{Name: "special_law_drug", Aggregation: Stock, Sensitive: true,
		AnyGroup: []string{"IN_CONFLICT_LAW", "DRUG_ADDICTED"}}
	for _, n := range []string{"special", "special_supported"} {
		mm := m[n]
		mm.Grouped = true
		m[n] = mm
	}
	for _, n := range []string{"abused", "supported"} {
		mm := m[n]
		mm.Distinct = true
		m[n] = mm
		for _, suffix := range variantSuffixes {
			v := mm
			v.Name, v.Distinct, v.VariantOf = n+suffix, false, n
			m[v.Name] = v
		}
	}
	return m
}()

// sensitiveGroups mirror circumstance_group.sensitive in the operational
// schema (migration 00002): HIV, conflict with the law, drug use, violence,
// exploitation, sexual abuse, trafficking.
var sensitiveGroups = map[string]bool{
	"HIV": true, "IN_CONFLICT_LAW": true, "DRUG_ADDICTED": true, "VIOLENCE_SERIOUS_HARM": true,
	"EXPLOITED": true, "SEXUAL_ABUSE": true, "TRAFFICKED": true,
}

// LookupMeasure returns the contract's measure called name.
func LookupMeasure(name string) (Measure, bool) {
	m, ok := measures[name]
	return m, ok
}

// MeasureNames lists every measure of the contract, variants included, in
// alphabetical order.
func MeasureNames() []string {
	out := make([]string, 0, len(measures))
	for n := range measures {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Sensitive reports whether counts of measure within group (” for no group)
// take the stricter disclosure threshold.
func Sensitive(measure, group string) bool {
	return measures[measure].Sensitive || sensitiveGroups[group]
}

// InAnyGroup reports whether a child in circumstance group counts in measure
// (a measure over groups, see Measure.AnyGroup).
func InAnyGroup(measure, group string) bool {
	return slices.Contains(measures[measure].AnyGroup, group)
}

// AgeBands are the contract's age bands, youngest first.
var AgeBands = []string{"0", "1-4", "5", "6-10", "11-15", "16-17"}

// ChildAgeBands are the bands of children: under 16 (Law on Children 2016,
// Art. 1). The 16-17 band is kept for measures that follow young people to 18.
var ChildAgeBands = AgeBands[: len(AgeBands)-1 : len(AgeBands)-1]

// Poverty are the contract's household poverty statuses.
var Poverty = []string{"poor", "near_poor", "neither", "unknown"}

// Sexes are the contract's sexes.
var Sexes = []string{"M", "F"}
