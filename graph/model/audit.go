package model

// AuditConnection is a page of the audit log; Counter answers totalCount.
type AuditConnection struct {
	Edges    []*AuditEdge
	PageInfo *PageInfo
	Counter
}

// AnalyticsAuditConnection is a page of recorded analytics requests; Counter
// answers totalCount.
type AnalyticsAuditConnection struct {
	Edges    []*AnalyticsAuditEdge
	PageInfo *PageInfo
	Counter
}
