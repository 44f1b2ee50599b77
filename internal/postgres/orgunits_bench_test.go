package postgres_test

import (
	"context"
	"testing"

	"treem/internal/postgres"
	"treem/internal/testdb"
)

// The area lookup runs for each authenticated request that is not cached, and
// the 2021-district lookup for each page of units; both read the whole history.
func BenchmarkOrgUnitStore(b *testing.B) {
	ctx := context.Background()
	store := postgres.NewOrgUnitStore(testdb.Postgres(b))
	day := date("2025-07-01")
	all, err := store.AreaUnitIDs(ctx, "75", day)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("AreaUnitIDs/province", func(b *testing.B) {
		for b.Loop() {
			if _, err := store.AreaUnitIDs(ctx, "75", day); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AreaUnitIDs/former-district", func(b *testing.B) {
		for b.Loop() {
			if _, err := store.AreaUnitIDs(ctx, "731", day); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Districts2021/95", func(b *testing.B) {
		for b.Loop() {
			if _, err := store.Districts2021(ctx, all); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Predecessors/95", func(b *testing.B) {
		for b.Loop() {
			if _, err := store.Predecessors(ctx, all); err != nil {
				b.Fatal(err)
			}
		}
	})
}
