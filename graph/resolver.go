// Package graph is the GraphQL transport: the gqlgen schema's resolvers, thin
// adapters from arguments to the stores this package declares.
package graph

// Resolver holds the dependencies of every resolver; cmd/treem wires them.
type Resolver struct {
	// Auditor is the audit log: reads of @personal fields are appended by the
	// server; mutations record their writes (see Auditor).
	Auditor Auditor
	// Operational serves org units, children and their records (graph/loaders.go).
	Operational
	// Analytics answers from the warehouse (graph/analytics.go); nil without one.
	Analytics Analytics
	// AnalyticsAuditLog lists the recorded analytics requests
	// (graph/analytics_audit.go); nil: those queries answer UNAVAILABLE.
	AnalyticsAuditLog AnalyticsAuditLog
	// Accounts manages the dashboard's users (graph/users.go); nil: those
	// fields answer UNAVAILABLE.
	Accounts Accounts
	// Bulletins is the quarterly bulletin (graph/bulletin.go); nil: its
	// fields answer UNAVAILABLE.
	Bulletins Bulletins
}
