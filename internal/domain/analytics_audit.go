package domain

import "time"

// AnalyticsRequest is one analytics question asked by a role below province
// officer, recorded so that a province officer can see who asked what, and how
// often one population was asked in different phrasings.
type AnalyticsRequest struct {
	ID        int64
	At        time.Time
	Subject   string
	Role      Role
	Area      string
	Operation string         // the analytics operation: aggregate, indicatorValues, …
	Params    map[string]any // the arguments as given
	// Populations fingerprints every population whose count the answer
	// released: the same population gives the same fingerprint however the
	// question described it (see analytics.Meta.Populations).
	Populations []string
	RequestID   string
}

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
