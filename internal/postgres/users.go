package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/domain"
)

// UserStore keeps the dashboard's users and their sessions (migration
// 00070). The API's methods (Credentials and the sessions) run as treem_app,
// which cannot read a password hash but through treem_user_credentials, and
// changes users only through the functions of migration 00074 (AddUser,
// DisableUser, SetPassword), which `treem user` calls too.
type UserStore struct {
	pool *pgxpool.Pool
}

// NewUserStore returns the users stored in pool's database.
func NewUserStore(pool *pgxpool.Pool) *UserStore { return &UserStore{pool: pool} }

// asApp runs fn in a transaction as treem_app.
func (s *UserStore) asApp(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, setAppRole); err != nil {
			return err
		}
		return fn(tx)
	})
}

// accountRow is a user as its columns name it.
type accountRow struct {
	ID          int64  `db:"id"`
	Username    string `db:"username"`
	DisplayName string `db:"display_name"`
	Role        string `db:"role"`
	Area        string `db:"area"`
	Active      bool   `db:"active"`
}

func (r accountRow) account() domain.Account {
	return domain.Account{ID: r.ID, Username: r.Username, DisplayName: r.DisplayName, Role: domain.Role(r.Role),
		Area: r.Area, Active: r.Active}
}

var errNoUser = domain.Errorf(domain.CodeNotFound, "no user has this name")

const credentialsSQL = `SELECT id, username, display_name, role, area, active, password_hash
  FROM treem_user_credentials($1)`

// Credentials returns the user named username (case-insensitively) and the
// hash of their password; NOT_FOUND when no user has that name.
func (s *UserStore) Credentials(ctx context.Context, username string) (domain.Account, string, error) {
	type row struct {
		accountRow
		Hash string `db:"password_hash"`
	}
	var r row
	err := s.asApp(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, credentialsSQL, username)
		if err != nil {
			return err
		}
		r, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[row])
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Account{}, "", errNoUser
	}
	if err != nil {
		return domain.Account{}, "", fmt.Errorf("read credentials: %w", MapError(err))
	}
	return r.account(), r.Hash, nil
}

// endedSessionsSQL drops the sessions that have ended, so the table holds
// live ones only; every sign-in runs it.
const endedSessionsSQL = `DELETE FROM app_session
  WHERE expires_at <= now() OR last_seen_at <= now() - make_interval(secs => $1)`

// StartSession stores a session of the user until expires.
func (s *UserStore) StartSession(ctx context.Context, userID int64, tokenHash []byte, expires time.Time, idle time.Duration) error {
	err := s.asApp(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, endedSessionsSQL, idle.Seconds()); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO app_session (token_hash, user_id, expires_at) VALUES ($1, $2, $3)`,
			tokenHash, userID, expires)
		return err
	})
	if err != nil {
		return fmt.Errorf("start session: %w", MapError(err))
	}
	return nil
}

// sessionAccountSQL reads the live session of a token hash and its active
// user, and marks it seen (at most once a minute: a page's burst of requests
// writes once).
const sessionAccountSQL = `WITH live AS (
    SELECT s.token_hash, s.expires_at, s.last_seen_at,
      u.id, u.username, u.display_name, u.role, u.area, u.active
    FROM app_session s JOIN app_user u ON u.id = s.user_id
    WHERE s.token_hash = $1 AND u.active AND s.expires_at > now()
      AND s.last_seen_at > now() - make_interval(secs => $2)
  ), seen AS (
    UPDATE app_session t SET last_seen_at = now() FROM live
    WHERE t.token_hash = live.token_hash AND live.last_seen_at < now() - interval '1 minute'
  )
  SELECT id, username, display_name, role, area, active, expires_at FROM live`

// SessionAccount returns the active user of the live session of tokenHash
// and the session's end; NOT_FOUND when the session has ended, idled out or
// belongs to a disabled user.
func (s *UserStore) SessionAccount(ctx context.Context, tokenHash []byte, idle time.Duration) (domain.Account, time.Time, error) {
	type row struct {
		accountRow
		ExpiresAt time.Time `db:"expires_at"`
	}
	var r row
	err := s.asApp(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, sessionAccountSQL, tokenHash, idle.Seconds())
		if err != nil {
			return err
		}
		r, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[row])
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Account{}, time.Time{}, domain.Errorf(domain.CodeNotFound, "no live session")
	}
	if err != nil {
		return domain.Account{}, time.Time{}, fmt.Errorf("read session: %w", MapError(err))
	}
	return r.account(), r.ExpiresAt, nil
}

// EndSession deletes the session of tokenHash and returns its user.
func (s *UserStore) EndSession(ctx context.Context, tokenHash []byte) (domain.Account, error) {
	var r accountRow
	err := s.asApp(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `WITH ended AS (DELETE FROM app_session WHERE token_hash = $1 RETURNING user_id)
		  SELECT u.id, u.username, u.display_name, u.role, u.area, u.active FROM ended JOIN app_user u ON u.id = ended.user_id`,
			tokenHash)
		if err != nil {
			return err
		}
		r, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[accountRow])
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Account{}, domain.Errorf(domain.CodeNotFound, "no such session")
	}
	if err != nil {
		return domain.Account{}, fmt.Errorf("end session: %w", MapError(err))
	}
	return r.account(), nil
}

// AddUser stores a new active user with the password hash; a name another
// user holds (in any case) is CONFLICT. With a caller in ctx (a province
// officer's mutation) the write is audited in the same transaction.
func (s *UserStore) AddUser(ctx context.Context, a domain.Account, hash string) (domain.Account, error) {
	var r accountRow
	err := s.asApp(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, username, display_name, role, area, active FROM treem_user_add($1, $2, $3, $4, $5)`,
			a.Username, a.DisplayName, string(a.Role), a.Area, hash)
		if err != nil {
			return err
		}
		if r, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[accountRow]); err != nil {
			return err
		}
		return auditUserWrite(ctx, tx, r.ID, "username", "displayName", "role", "area", "password")
	})
	if err != nil {
		return domain.Account{}, fmt.Errorf("add user: %w", MapError(err))
	}
	return r.account(), nil
}

// auditUserWrite records a change of user id when ctx names a caller: the
// API's mutations do, `treem user` (the owner's login at a terminal) does not
// and logs instead.
func auditUserWrite(ctx context.Context, tx pgx.Tx, id int64, fields ...string) error {
	if domain.UserFrom(ctx) == nil {
		return nil
	}
	return RecordWriteTx(ctx, tx, "User", []int64{id}, fields)
}

// Users lists every user, by username.
func (s *UserStore) Users(ctx context.Context) ([]domain.Account, error) {
	var out []domain.Account
	err := s.asApp(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, username, display_name, role, area, active FROM app_user ORDER BY username`)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Account, error) {
			r, err := pgx.RowToStructByName[accountRow](row)
			return r.account(), err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list users: %w", MapError(err))
	}
	return out, nil
}

// UserExists tells whether a user has the name (in any case). It needs the
// owner's login.
func (s *UserStore) UserExists(ctx context.Context, username string) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT FROM app_user WHERE lower(username) = lower($1))`, username).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("look up user: %w", MapError(err))
	}
	return ok, nil
}

// DisableUser marks the user inactive and ends every session of theirs in
// the same transaction, so no request signed in as them runs after it
// commits. It returns the user and the number of sessions ended; NOT_FOUND
// when no user has the name.
func (s *UserStore) DisableUser(ctx context.Context, username string) (domain.Account, int64, error) {
	return s.changeUser(ctx, username, `SELECT id, username, display_name, role, area, active, sessions_ended
	  FROM treem_user_disable($1)`, []string{"active"}, username)
}

// SetPassword replaces the user's password hash and ends every session of
// theirs; NOT_FOUND when no user has the name.
func (s *UserStore) SetPassword(ctx context.Context, username, hash string) (domain.Account, int64, error) {
	return s.changeUser(ctx, username, `SELECT id, username, display_name, role, area, active, sessions_ended
	  FROM treem_user_set_password($1, $2)`, []string{"password"}, username, hash)
}

// changeUser runs change, a function that changes one user and ends their
// sessions, and audits the fields changed.
func (s *UserStore) changeUser(ctx context.Context, username, change string, fields []string, args ...any) (domain.Account, int64, error) {
	type changed struct {
		accountRow
		SessionsEnded int64 `db:"sessions_ended"`
	}
	var r changed
	err := s.asApp(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, change, args...)
		if err != nil {
			return err
		}
		if r, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[changed]); err != nil {
			return err
		}
		return auditUserWrite(ctx, tx, r.ID, fields...)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Account{}, 0, errNoUser
	}
	if err != nil {
		return domain.Account{}, 0, fmt.Errorf("change user %s: %w", username, MapError(err))
	}
	return r.account(), r.SessionsEnded, nil
}
