package indicators

import (
	"slices"
	"sort"
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

// Poverty are the contract's household poverty statuses.
var Poverty = []string{"poor", "near_poor", "neither", "unknown"}

// Sexes are the contract's sexes.
var Sexes = []string{"M", "F"}
