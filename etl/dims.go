package etl

import (
	"treem/internal/indicators"
	"treem/internal/period"
)

// Age bands of the warehouse: age at month end for stocks, at the event for flows.
var ageBands = []string{"0", "1-4", "5", "6-10", "11-15", "16-17"}

// AgeBand returns the band index of an age in completed years, or -1 outside 0–17.
func AgeBand(age int) int {
	switch {
	case age < 0 || age >= 18:
		return -1
	case age == 0:
		return 0
	case age <= 4:
		return 1
	case age == 5:
		return 2
	case age <= 10:
		return 3
	case age <= 15:
		return 4
	default:
		return 5
	}
}

// Poverty statuses; unknown when the household has no status for the year.
const (
	povertyUnknown uint8 = iota
	povertyPoor
	povertyNearPoor
	povertyNeither
)

var povertyNames = []string{"unknown", "poor", "near_poor", "neither"}

// PovertyCode maps the Postgres status text to its index (unknown for others).
func PovertyCode(status string) uint8 {
	for i, n := range povertyNames {
		if n == status {
			return uint8(i)
		}
	}
	return povertyUnknown
}

// Measures of fact_child_month, in the order of the contract.
const (
	mChildren uint8 = iota
	mBirthRegistered
	mInsured
	mSpecial
	mSpecialSupported
	mMeasuredU5
	mUnderweightU5
	mStuntedU5
	mCheckedUp
	mPreschool5
	mSwimTrained
	mBirths
	mTurnedOne
	mTurnedOneImmunised
	mInjured
	mInjuryDeaths
	mDrowningDeaths
	mCasesOpened
	mCasesOpenedViolence // the seven case types follow in caseTypes order
	mCasesClosed         = mCasesOpenedViolence + 7
	mAbused              = mCasesClosed + 1
	mCases62             = mCasesClosed + 2
	mCases62Timely       = mCasesClosed + 3
	mCasesEmergencyLate  = mCasesClosed + 4
	mSupported           = mCasesClosed + 5
	mSupportEvents       = mCasesClosed + 6
	mSwimEnrolled        = mCasesClosed + 7
	mSwimCompleted       = mCasesClosed + 8
	mGiftVisits          = mCasesClosed + 9
	mSpecialLawDrug      = mCasesClosed + 10
	// The variants of the distinct flows follow: len(variantKinds) per flow,
	// in distinctFlows order.
	mVariants    = mCasesClosed + 11
	measureCount = mVariants + uint8(len(distinctFlows)*len(variantKinds))
)

// The distinct flows (indicators.Measure.Distinct), by index in distinctFlows.
const (
	dAbused = iota
	dSupported
)

// distinctFlows are the flows that count children, not events.
var distinctFlows = [...]uint8{dAbused: mAbused, dSupported: mSupported}

// variantKinds are the period kinds of a distinct flow's variants, in the
// order of their measure indexes; the month is the flow itself.
var variantKinds = [...]period.Kind{period.Quarter, period.Half, period.Year}

// variantOf returns the measure index of distinct flow f's variant for
// variantKinds[k].
func variantOf(f, k int) uint8 { return mVariants + uint8(f*len(variantKinds)+k) }

// caseTypes are the Decree 56 case types, in the order of the cases_opened_<type> measures.
var caseTypes = []string{"violence", "sexual_abuse", "exploitation", "abandonment", "trafficking", "neglect", "other"}

// measureNames are the measure codes written to the warehouse, by index.
var measureNames = func() []string {
	n := []string{"children", "birth_registered", "insured", "special", "special_supported", "measured_u5",
		"underweight_u5", "stunted_u5", "checked_up", "preschool_5", "swim_trained", "births", "turned_one",
		"turned_one_immunised", "injured", "injury_deaths", "drowning_deaths", "cases_opened"}
	for _, t := range caseTypes {
		n = append(n, "cases_opened_"+t)
	}
	n = append(n, "cases_closed", "abused", "cases_6_2", "cases_6_2_timely", "cases_emergency_late",
		"supported", "support_events", "swim_enrolled", "swim_completed", "gift_visits", lawDrug)
	// The variants are named by the contract.
	for _, f := range distinctFlows {
		m, _ := indicators.LookupMeasure(n[f])
		for _, k := range variantKinds {
			n = append(n, m.Variant(k))
		}
	}
	return n
}()

// lawDrug is the stock of children in any circumstance group of criterion 4
// (the contract lists the groups).
const lawDrug = "special_law_drug"

// caseTypeIndex returns the index of a case type, or -1.
func caseTypeIndex(t string) int {
	for i, c := range caseTypes {
		if c == t {
			return i
		}
	}
	return -1
}

// is62 reports whether a case type counts in the contract's cases_6_2
// measures: sexual abuse, abandonment and trafficking.
func is62(t string) bool { return t == "sexual_abuse" || t == "abandonment" || t == "trafficking" }
