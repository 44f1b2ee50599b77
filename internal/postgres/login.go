package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// LoginRole is the role a pool's connections log in as, with the attributes
// that let it step around row-level security.
type LoginRole struct {
	Name      string `db:"rolname"`
	Superuser bool   `db:"rolsuper"`     // can SET ROLE to anyone, disable triggers, read every row
	BypassRLS bool   `db:"rolbypassrls"` // reads every row whatever the policies say
	// OwnsTables: the role owns a table of the schema, or may become a role
	// that does. Row-level security does not hold a table's owner, who may
	// also disable the audit log's triggers.
	OwnsTables bool `db:"owns_tables"`
}

// loginRole reads the session user, not the current one: a session that
// switched role keeps the power to switch back.
const loginRole = `SELECT r.rolname, r.rolsuper, r.rolbypassrls,
  EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND pg_has_role(r.oid, c.relowner, 'MEMBER')) AS owns_tables
FROM pg_roles r WHERE r.rolname = session_user`

// Login returns the role pool logs in as.
func Login(ctx context.Context, pool *pgxpool.Pool) (LoginRole, error) {
	rows, err := pool.Query(ctx, loginRole)
	if err != nil {
		return LoginRole{}, fmt.Errorf("login role: %w", MapError(err))
	}
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[LoginRole])
	if err != nil {
		return r, fmt.Errorf("login role: %w", MapError(err))
	}
	return r, nil
}
