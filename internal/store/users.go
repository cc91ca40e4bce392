package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// User is a person known to runlens, keyed on the IAP subject.
type User struct {
	Sub   string
	Email string
	Role  string
}

// UpsertUser records a signed-in user. A new user gets defaultRole; an
// existing user keeps their role and gets the current email. The returned
// user carries the role in force.
func (s *Store) UpsertUser(ctx context.Context, sub, email, defaultRole string) (User, error) {
	t := now()
	_, err := s.w.ExecContext(ctx, `INSERT INTO users (sub, email, role, created_at, last_seen) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (sub) DO UPDATE SET email = excluded.email, last_seen = excluded.last_seen`, sub, email, defaultRole, t, t)
	s.users.forget()
	if err != nil {
		return User{}, fmt.Errorf("store: upsert user: %w", err)
	}
	return s.User(ctx, sub)
}

// User returns the user with subject sub, or ErrNotFound. Every signed-in
// request asks, so users are kept in memory once read; the store's own
// writes to users (the only ones: one serving process owns the database)
// drop what is kept.
func (s *Store) User(ctx context.Context, sub string) (User, error) {
	gen, u, ok := s.users.get(sub)
	if ok {
		return u, nil
	}
	err := s.db.QueryRowContext(ctx, `SELECT sub, email, role FROM users WHERE sub = ?`, sub).Scan(&u.Sub, &u.Email, &u.Role)
	if errors.Is(err, sql.ErrNoRows) {
		return u, ErrNotFound
	}
	if err != nil {
		return u, fmt.Errorf("store: user: %w", err)
	}
	s.users.put(gen, u)
	return u, nil
}

// userCache holds users read from the database. A read that raced a write
// is not kept: put keeps u only if no write happened since get.
type userCache struct {
	mu    sync.Mutex
	gen   uint64
	users map[string]User
}

func (c *userCache) get(sub string) (gen uint64, u User, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, ok = c.users[sub]
	return c.gen, u, ok
}

func (c *userCache) put(gen uint64, u User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.users == nil {
		c.users = map[string]User{}
	}
	c.users[u.Sub] = u
}

// forget drops everything kept; called after every write to users,
// committed or not.
func (c *userCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.users = nil
}

// SetRole sets a user's role, with its audit entry in the same transaction.
func (s *Store) SetRole(ctx context.Context, sub, role string, audit AuditEntry) error {
	err := s.transitionIn(ctx, audit, `UPDATE users SET role = ? WHERE sub = ?`, role, sub)
	s.users.forget()
	if errors.Is(err, ErrConflict) {
		return ErrNotFound
	}
	return err
}

// Users lists every user by email.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT sub, email, role FROM users ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("store: users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		if err := rows.Scan(&u.Sub, &u.Email, &u.Role); err != nil {
			return nil, fmt.Errorf("store: users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SignIn records that the user sub, with email, signed in, and returns
// them as stored. A new user gets role. When firstAdmin is set (their email
// is the configured first admin's) the user becomes admin if, and only if,
// no user is admin at that moment: the insert and the promotion are one
// transaction, so a second account asserting the same email under another
// subject, or two first admins signing in at once, cannot also become admin.
//
// A known user whose email is unchanged is only read: every request signs
// in, and a write would queue page views behind a sync storing its snapshot.
// For the first admin's email that is also true while some user is admin.
func (s *Store) SignIn(ctx context.Context, sub, email, role string, firstAdmin bool) (User, error) {
	u, err := s.User(ctx, sub)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return u, err
	case u.Email != email:
	case !firstAdmin || u.Role == "admin":
		return u, nil
	default:
		var some bool
		if err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin')`).Scan(&some); err != nil {
			return u, fmt.Errorf("store: sign in: %w", err)
		}
		if some {
			return u, nil
		}
	}
	err = s.signIn(ctx, sub, email, role, firstAdmin)
	s.users.forget()
	if err != nil {
		return User{}, fmt.Errorf("store: sign in: %w", err)
	}
	return s.User(ctx, sub)
}

func (s *Store) signIn(ctx context.Context, sub, email, role string, firstAdmin bool) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	t := now()
	if _, err := tx.ExecContext(ctx, `INSERT INTO users (sub, email, role, created_at, last_seen) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (sub) DO UPDATE SET email = excluded.email, last_seen = excluded.last_seen`, sub, email, role, t, t); err != nil {
		return err
	}
	if firstAdmin {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET role = 'admin'
			WHERE sub = ? AND NOT EXISTS (SELECT 1 FROM users WHERE role = 'admin')`, sub); err != nil {
			return err
		}
	}
	return tx.Commit()
}
