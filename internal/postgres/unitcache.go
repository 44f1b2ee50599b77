package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/domain"
)

// UnitsChannel is the channel a statement trigger on the org-unit tables
// notifies on commit (migration 00052): a migration or a reference-data load
// changed the hierarchy.
const UnitsChannel = "treem_org_units"

// UnitCache answers the org-unit lookups of every page from memory: the few
// thousand unit versions are loaded at start and again whenever the
// hierarchy changes (Listen), so a page's communes and their parents, and the
// callers' areas, cost no statement. The other lookups go to the store.
type UnitCache struct {
	*OrgUnitStore
	log *slog.Logger

	mu     sync.RWMutex
	byID   map[int]domain.OrgUnit
	byCode map[string][]domain.OrgUnit // versions of a code, oldest first
	areas  map[areaKey][]int           // AreaUnitIDs answers since the last load
	loads  uint64                      // loads so far: an answer read before a load is not kept after it
}

type areaKey struct {
	code string
	day  time.Time
}

// maxAreas bounds the memo of areas: a caller's area on a day. Past it the
// memo starts again, which costs one query per area.
const maxAreas = 10_000

// NewUnitCache loads every unit version of pool's database.
func NewUnitCache(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) (*UnitCache, error) {
	c := &UnitCache{OrgUnitStore: NewOrgUnitStore(pool), log: log}
	if err := c.load(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

const allUnits = `SELECT ` + unitColumns + ` FROM org_unit u ORDER BY u.code, u.valid_from`

func (c *UnitCache) load(ctx context.Context) error {
	units, err := c.list(ctx, allUnits)
	if err != nil {
		return fmt.Errorf("load org units: %w", err)
	}
	byID := make(map[int]domain.OrgUnit, len(units))
	byCode := make(map[string][]domain.OrgUnit, len(units))
	for _, u := range units {
		byID[u.ID] = u
		byCode[u.Code] = append(byCode[u.Code], u)
	}
	c.mu.Lock()
	c.byID, c.byCode, c.areas = byID, byCode, map[areaKey][]int{}
	c.loads++
	c.mu.Unlock()
	return nil
}

// Listen reloads the units on every notification of UnitsChannel until ctx
// ends, on a connection of its own, reconnecting after a failure. A change
// missed while reconnecting is caught by the load that follows each connect.
func (c *UnitCache) Listen(ctx context.Context) {
	for ctx.Err() == nil {
		err := c.listen(ctx)
		if ctx.Err() != nil {
			return
		}
		c.log.Warn("org-unit notifications lost; reconnecting", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
}

func (c *UnitCache) listen(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, c.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+UnitsChannel); err != nil {
		return err
	}
	for {
		if err := c.load(ctx); err != nil {
			return err
		}
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		c.log.Info("org units changed; reloaded")
	}
}

// UnitByID returns the unit version with id.
func (c *UnitCache) UnitByID(id int) (domain.OrgUnit, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	u, ok := c.byID[id]
	return u, ok
}

// UnitLevels returns every code with its level, as the store does, from memory.
func (c *UnitCache) UnitLevels(context.Context) (map[string]domain.Level, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	levels := make(map[string]domain.Level, len(c.byCode))
	for code, versions := range c.byCode {
		levels[code] = versions[0].Level
	}
	return levels, nil
}

// UnitsByID returns the unit versions among ids, ordered by id.
func (c *UnitCache) UnitsByID(_ context.Context, ids []int) ([]domain.OrgUnit, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]domain.OrgUnit, 0, len(ids))
	for _, id := range ids {
		if u, ok := c.byID[id]; ok {
			out = append(out, u)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// UnitByCode returns the version of code in force on asOf.
func (c *UnitCache) UnitByCode(_ context.Context, code string, asOf time.Time) (domain.OrgUnit, error) {
	if err := validUnitCode(code); err != nil {
		return domain.OrgUnit{}, err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, u := range c.byCode[code] {
		if u.ValidOn(asOf) {
			return u, nil
		}
	}
	return domain.OrgUnit{}, domain.Errorf(domain.CodeNotFound, "no unit with code %s on %s", code, asOf.Format(time.DateOnly))
}

// AreaUnitIDs remembers the store's answer for each area and day until the
// units change.
func (c *UnitCache) AreaUnitIDs(ctx context.Context, areaCode string, asOf time.Time) ([]int, error) {
	k := areaKey{areaCode, asOf}
	c.mu.RLock()
	ids, ok := c.areas[k]
	loads := c.loads
	c.mu.RUnlock()
	if ok {
		return ids, nil
	}
	ids, err := c.OrgUnitStore.AreaUnitIDs(ctx, areaCode, asOf)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.loads == loads {
		if len(c.areas) >= maxAreas {
			c.areas = map[areaKey][]int{}
		}
		c.areas[k] = ids
	}
	c.mu.Unlock()
	return ids, nil
}
