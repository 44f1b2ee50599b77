package domain

import "time"

// AnalyticsAuditFilter narrows a listing of recorded analytics requests; zero
// fields do not filter.
type AnalyticsAuditFilter struct {
	Subject    string
	Operation  string
	Population string    // requests whose answer released this population
	From, To   time.Time // To is exclusive
}

// RepeatedFilter selects the populations asked for in several phrasings.
type RepeatedFilter struct {
	MinPhrasings int
	From, To     time.Time // To is exclusive
}

// RepeatedPopulation is one population fingerprint with the requests whose
// answers released it: how many, in how many distinct phrasings (operation and
// arguments), by whom, and when first and last.
type RepeatedPopulation struct {
	Population  string
	Requests    int
	Phrasings   int
	Subjects    []string
	First, Last time.Time
}
