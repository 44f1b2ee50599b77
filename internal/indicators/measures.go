package indicators

import (
	"maps"
	"slices"

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

// Aggregations lists every Aggregation; the schema's enum names the same.
var Aggregations = []Aggregation{Stock, Flow, Year}

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

// VariantKinds are the period kinds of a distinct flow's variants, in the
// order of their MeasureIDs.
var VariantKinds = [...]period.Kind{period.Quarter, period.Half, period.Year}

// Variant returns the measure whose months, added up over exactly one
// calendar period of kind k, count m: a distinct flow's variant for k, else m
// itself.
func (m Measure) Variant(k period.Kind) string {
	if !m.Distinct {
		return m.Name
	}
	return m.Name + variantSuffixes[k]
}

// CaseTypes are the Decree 56 case types (protection_case.case_type), in the
// order of the cases_opened_<type> measures.
var CaseTypes = [...]string{"violence", "sexual_abuse", "exploitation", "abandonment", "trafficking", "neglect", "other"}

// Cases62Types are the case types that criterion 6.2 of Decision 06/QĐ-TTg
// counts (the cases_6_2 measures): sexual abuse, abandonment and trafficking.
var Cases62Types = [...]string{"sexual_abuse", "abandonment", "trafficking"}

// GiftOccasions are the gift-visit occasions (gift_visit.occasion,
// domain.GiftOccasions), in the order of the gift_visits_<occasion> measures.
// internal/postgres tests the CHECK on gift_visit.occasion against this list,
// and this package tests it against the domain's.
var GiftOccasions = [...]string{"children_day", "mid_autumn", "tet"}

// MeasureID numbers the contract's measures, variants included. The numbering
// lives here, not in the ETL that counts cells by it, because etl imports this
// package (never the reverse): the list is written once. The warehouse stores
// names, never IDs, but the stocks that nearly every child-month adds to come
// first (before Births): the ETL keeps those in arrays.
type MeasureID uint8

// The contract's measures. Lines without a value continue the iota sequence.
const (
	Children MeasureID = iota
	BirthRegistered
	Insured
	Special
	SpecialSupported
	MeasuredU5
	UnderweightU5
	StuntedU5
	MeasuredU2 // the same measurement as MeasuredU5, taken at 0–23 completed months
	UnderweightU2
	StuntedU2
	CheckedUp
	Preschool5
	SwimTrained
	Births
	TurnedOne
	TurnedOneImmunised
	Injured
	InjuryDeaths
	DrowningDeaths
	CasesOpened
	casesOpenedByType // cases_opened_<type>, one per CaseTypes entry
	CasesClosed       = MeasureID(iota + len(CaseTypes) - 1)
	Abused
	Cases62
	Cases62Timely
	CasesEmergencyLate
	Supported
	SupportEvents
	SwimEnrolled
	SwimCompleted
	GiftVisits
	SpecialLawDrug
	giftVisitsByOccasion                                                                 // gift_visits_<occasion>, one per GiftOccasions entry
	variantsFirst        = MeasureID(iota + len(CaseTypes) - 1 + len(GiftOccasions) - 1) // the variants: len(VariantKinds) per distinct flow, in distinctFlows order
)

// distinctFlows are the flows that count children, not events (Measure.Distinct).
var distinctFlows = [...]MeasureID{Abused, Supported}

// measureCount is the number of measures, variants included.
const measureCount = variantsFirst + MeasureID(len(distinctFlows)*len(VariantKinds))

// measureList is the warehouse contract's list (fact_child_month.measure), by
// MeasureID.
var measureList = func() [measureCount]Measure {
	var l [measureCount]Measure
	set := func(a Aggregation, sensitive bool, ids ...MeasureID) {
		for _, id := range ids {
			l[id].Aggregation, l[id].Sensitive = a, sensitive
		}
	}
	for id, n := range map[MeasureID]string{
		Children: "children", BirthRegistered: "birth_registered", Insured: "insured", Special: "special",
		SpecialSupported: "special_supported", MeasuredU5: "measured_u5", UnderweightU5: "underweight_u5",
		StuntedU5: "stunted_u5", MeasuredU2: "measured_u2", UnderweightU2: "underweight_u2", StuntedU2: "stunted_u2",
		CheckedUp: "checked_up", Preschool5: "preschool_5", SwimTrained: "swim_trained",
		Births: "births", TurnedOne: "turned_one", TurnedOneImmunised: "turned_one_immunised", Injured: "injured",
		InjuryDeaths: "injury_deaths", DrowningDeaths: "drowning_deaths", CasesOpened: "cases_opened",
		CasesClosed: "cases_closed", Abused: "abused", Cases62: "cases_6_2", Cases62Timely: "cases_6_2_timely",
		CasesEmergencyLate: "cases_emergency_late", Supported: "supported", SupportEvents: "support_events",
		SwimEnrolled: "swim_enrolled", SwimCompleted: "swim_completed", GiftVisits: "gift_visits",
		SpecialLawDrug: "special_law_drug",
	} {
		l[id].Name = n
	}
	for i, t := range CaseTypes {
		l[casesOpenedByType+MeasureID(i)].Name = "cases_opened_" + t
	}
	set(Stock, false, Children, BirthRegistered, Insured, Special, SpecialSupported, MeasuredU5, UnderweightU5,
		StuntedU5, MeasuredU2, UnderweightU2, StuntedU2, CheckedUp, Preschool5, SwimTrained)
	set(Flow, false, Births, TurnedOne, TurnedOneImmunised, Injured, InjuryDeaths, DrowningDeaths, CasesOpened,
		CasesClosed, CasesEmergencyLate, Supported, SupportEvents, SwimEnrolled, SwimCompleted, GiftVisits)
	for i := range CaseTypes {
		set(Flow, false, casesOpenedByType+MeasureID(i))
	}
	// Each visit counts in gift_visits and in its occasion's measure.
	for i, o := range GiftOccasions {
		l[giftVisitsByOccasion+MeasureID(i)].Name = "gift_visits_" + o
		set(Flow, false, giftVisitsByOccasion+MeasureID(i))
	}
	// Abuse, sexual abuse and trafficking counts are sensitive whatever the group.
	sexualAbuse, _ := CasesOpenedOf("sexual_abuse")
	trafficking, _ := CasesOpenedOf("trafficking")
	set(Flow, true, Abused, sexualAbuse, trafficking, Cases62, Cases62Timely)
	// Criterion 4 of Decision 06/QĐ-TTg: children in conflict with the law or
	// drug-addicted, both sensitive groups.
	set(Stock, true, SpecialLawDrug)
	l[SpecialLawDrug].AnyGroup = []string{"IN_CONFLICT_LAW", "DRUG_ADDICTED"}
	l[Special].Grouped, l[SpecialSupported].Grouped = true, true
	for f, id := range distinctFlows {
		l[id].Distinct = true
		for k, kind := range VariantKinds {
			v := l[id]
			v.Name, v.Distinct, v.VariantOf = l[id].Variant(kind), false, l[id].Name
			l[variantOf(f, k)] = v
		}
	}
	return l
}()

// variantOf returns the ID of distinct flow distinctFlows[f]'s variant for
// VariantKinds[k].
func variantOf(f, k int) MeasureID {
	return variantsFirst + MeasureID(f*len(VariantKinds)+k)
}

// measures indexes measureList by name.
var measures = func() map[string]MeasureID {
	m := make(map[string]MeasureID, len(measureList))
	for id, ms := range measureList {
		m[ms.Name] = MeasureID(id)
	}
	return m
}()

// Name returns the measure's code in the warehouse.
func (id MeasureID) Name() string { return measureList[id].Name }

// Variant returns the ID of the measure that Measure.Variant names.
func (id MeasureID) Variant(k period.Kind) MeasureID {
	if i := slices.Index(distinctFlows[:], id); i >= 0 {
		return variantOf(i, slices.Index(VariantKinds[:], k))
	}
	return id
}

// CasesOpenedOf returns the cases_opened_<type> measure of a case type.
func CasesOpenedOf(caseType string) (MeasureID, bool) {
	i := slices.Index(CaseTypes[:], caseType)
	if i < 0 {
		return 0, false
	}
	return casesOpenedByType + MeasureID(i), true
}

// GiftVisitsOf returns the gift_visits_<occasion> measure of an occasion.
func GiftVisitsOf(occasion string) (MeasureID, bool) {
	i := slices.Index(GiftOccasions[:], occasion)
	if i < 0 {
		return 0, false
	}
	return giftVisitsByOccasion + MeasureID(i), true
}

// Measures lists every measure of the contract, variants included, by ID.
func Measures() []Measure { return slices.Clone(measureList[:]) }

// sensitiveGroups are the circumstance groups whose counts take the stricter
// disclosure threshold: HIV, conflict with the law, drug use, violence,
// exploitation, sexual abuse, trafficking. Migration 00002 seeds
// circumstance_group.sensitive with a copy, which internal/postgres tests
// against this list.
var sensitiveGroups = map[string]bool{
	"HIV": true, "IN_CONFLICT_LAW": true, "DRUG_ADDICTED": true, "VIOLENCE_SERIOUS_HARM": true,
	"EXPLOITED": true, "SEXUAL_ABUSE": true, "TRAFFICKED": true,
}

// SensitiveGroups lists the sensitive circumstance groups in alphabetical order.
func SensitiveGroups() []string { return slices.Sorted(maps.Keys(sensitiveGroups)) }

// LookupMeasure returns the contract's measure called name.
func LookupMeasure(name string) (Measure, bool) {
	id, ok := measures[name]
	if !ok {
		return Measure{}, false
	}
	return measureList[id], true
}

// MeasureNames lists every measure of the contract, variants included, in
// alphabetical order.
func MeasureNames() []string {
	return slices.Sorted(maps.Keys(measures))
}

// Sensitive reports whether counts of measure within group (” for no group)
// take the stricter disclosure threshold.
func Sensitive(measure, group string) bool {
	m, _ := LookupMeasure(measure)
	return m.Sensitive || sensitiveGroups[group]
}

// InAnyGroup reports whether a child in circumstance group counts in measure
// (a measure over groups, see Measure.AnyGroup).
func InAnyGroup(measure, group string) bool {
	m, _ := LookupMeasure(measure)
	return slices.Contains(m.AnyGroup, group)
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
