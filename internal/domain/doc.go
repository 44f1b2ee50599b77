// Package domain holds treem's vocabulary: organisation units, children and their
// events, roles and areas, error codes. It imports only the standard library; the
// storage adapters (internal/postgres, internal/clickhouse) and the transports
// (graph, etl, cmd) depend on it, never the other way round.
package domain
