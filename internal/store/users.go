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

// PromoteIfNoAdmin makes sub an admin when no user is one, in one statement
// (two first admins signing in at once cannot both win), and returns the
// user as stored.
func (s *Store) PromoteIfNoAdmin(ctx context.Context, sub string) (User, error) {
	_, err := s.w.ExecContext(ctx, `UPDATE users SET role = 'admin' WHERE sub = ? AND NOT EXISTS (SELECT 1 FROM users WHERE role = 'admin')`, sub)
	s.users.forget()
	if err != nil {
		return User{}, fmt.Errorf("store: promote first admin: %w", err)
	}
	return s.User(ctx, sub)
}
