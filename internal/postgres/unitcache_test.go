package postgres_test

import (
	"context"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"testing"
	"time"

	"treem/internal/domain"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

// TestUnitCacheAnswersAsTheStore: the cache gives the store's answers, across
// both reorganisations, for units, codes and areas.
func TestUnitCacheAnswersAsTheStore(t *testing.T) {
	ctx := context.Background()
	pool := testdb.Postgres(t)
	store := postgres.NewOrgUnitStore(pool)
	cache, err := postgres.NewUnitCache(ctx, testdb.API(t, pool), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	days := []string{"2019-01-01", "2021-07-01", "2024-10-31", "2024-11-01", "2025-06-30", "2025-07-01", "2026-12-01"}
	codes := []string{"75", "731", "26041", "26068", "742", "70", "99999", "7"}
	for _, d := range days {
		day := date(d)
		for _, code := range codes {
			want, wantErr := store.UnitByCode(ctx, code, day)
			got, gotErr := cache.UnitByCode(ctx, code, day)
			if !reflect.DeepEqual(want, got) || domain.ErrorCode(wantErr) != domain.ErrorCode(gotErr) {
				t.Errorf("UnitByCode(%s, %s) = %+v, %v; the store says %+v, %v", code, d, got, gotErr, want, wantErr)
			}
			wantIDs, wantErr := store.AreaUnitIDs(ctx, code, day)
			for range 2 { // the second answer comes from the memo
				gotIDs, gotErr := cache.AreaUnitIDs(ctx, code, day)
				if !slices.Equal(wantIDs, gotIDs) || domain.ErrorCode(wantErr) != domain.ErrorCode(gotErr) {
					t.Errorf("AreaUnitIDs(%s, %s) = %v, %v; the store says %v, %v", code, d, gotIDs, gotErr, wantIDs, wantErr)
				}
			}
		}
	}
	wantLevels, err := store.UnitLevels(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if gotLevels, _ := cache.UnitLevels(ctx); !reflect.DeepEqual(wantLevels, gotLevels) {
		t.Errorf("UnitLevels: %d codes, the store %d", len(gotLevels), len(wantLevels))
	}
	all, err := store.UnitsAsOf(ctx, date("2024-01-01"), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	ids := []int{-1}
	for _, u := range all {
		ids = append(ids, u.ID)
	}
	slices.Reverse(ids)
	want, _ := store.UnitsByID(ctx, ids)
	got, _ := cache.UnitsByID(ctx, ids)
	if !reflect.DeepEqual(want, got) || len(got) != len(all) {
		t.Fatalf("UnitsByID: %d units, the store %d", len(got), len(want))
	}
}

// TestUnitCacheReloadsOnChange: a unit added by a migration (here, by the
// owner) reaches a running cache through the notification, and a rolled-back
// one never does.
func TestUnitCacheReloadsOnChange(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pool := testdb.Postgres(t)
	cache, err := postgres.NewUnitCache(ctx, testdb.API(t, pool), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	go cache.Listen(ctx)
	day := date("2026-01-01")
	if ids, err := cache.AreaUnitIDs(ctx, "75", day); err != nil || len(ids) == 0 {
		t.Fatalf("province area: %v, %v", ids, err)
	}
	insert := `INSERT INTO org_unit (code, name, unit_type, level, parent_id, valid_from, source)
	  SELECT $1, 'Xã Thử', 'Xã', 'commune', d.id, '2000-01-01', 'test' FROM org_unit d
	  WHERE d.code = '75' AND d.valid_from <= '2026-01-01' AND d.valid_to > '2026-01-01'`
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, insert, "73199"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, insert, "73198"); err != nil {
		t.Fatal(err)
	}
	// The notification arrives asynchronously: wait for it, however long the
	// machine takes, and fail only if it never comes.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := cache.UnitByCode(ctx, "73198", day); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cache never saw the new commune")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := cache.UnitByCode(ctx, "73199", day); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("a rolled-back commune: %v", err)
	}
}
