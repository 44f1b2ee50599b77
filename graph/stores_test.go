package graph_test

import (
	"treem/graph"
	"treem/internal/postgres"
)

// postgres.ChildStore serves every record store the resolvers declare, and
// postgres.OrgUnitStore the unit hierarchy.
var (
	_ graph.Children       = (*postgres.ChildStore)(nil)
	_ graph.ChildRegistry  = (*postgres.ChildStore)(nil)
	_ graph.Cases          = (*postgres.ChildStore)(nil)
	_ graph.Events         = (*postgres.ChildStore)(nil)
	_ graph.EventRecorder  = (*postgres.ChildStore)(nil)
	_ graph.CommuneRecords = (*postgres.ChildStore)(nil)
	_ graph.Calendar       = (*postgres.ChildStore)(nil)
	_ graph.Batches        = (*postgres.ChildStore)(nil)
	_ graph.Districts      = (*postgres.ChildStore)(nil)
	_ graph.UnitStore      = (*postgres.OrgUnitStore)(nil)
)
