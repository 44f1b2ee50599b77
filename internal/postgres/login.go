package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// LoginRole is the role a pool's connections log in as, with the attributes
// that let it step around row-level security.
type LoginRole struct {
	Name      string
	Superuser bool // can SET ROLE to anyone, disable triggers, read every row
	BypassRLS bool // reads every row whatever the policies say
}

// loginRole reads the session user, not the current one: a superuser
// session that switched role keeps the power to switch back.
const loginRole = `SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = session_user`

// Login returns the role pool logs in as.
func Login(ctx context.Context, pool *pgxpool.Pool) (LoginRole, error) {
	var r LoginRole
	if err := pool.QueryRow(ctx, loginRole).Scan(&r.Name, &r.Superuser, &r.BypassRLS); err != nil {
		return r, fmt.Errorf("login role: %w", MapError(err))
	}
	return r, nil
}
