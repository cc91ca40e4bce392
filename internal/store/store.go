// Package store keeps runlens's state in SQLite (modernc.org/sqlite, pure
// Go): snapshots of the inventory with their findings and scores, users,
// and the append-only audit log. Migrations are applied at open.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/runlens/runlens/migrations"
)

// ErrNotFound is returned when a requested row does not exist.
var ErrNotFound = errors.New("store: not found")

// Store wraps the database.
type Store struct {
	db    *sql.DB // reads
	w     *sql.DB // writes: one connection
	users userCache
	// changeSets counts writes to the change sets (ChangeSetsVersion).
	changeSets atomic.Uint64
}

// Open opens (creating if needed) the database at path, applies pending
// migrations and refuses a database whose schema is newer than this binary.
// Durability: WAL journal, synchronous=FULL (change sets, approvals and the
// audit log must survive a crash), foreign keys on, a 5 s busy timeout, and
// write transactions that take the write lock at BEGIN (one writer).
//
// Writes go through one connection of their own, reads through a few
// others (WAL lets them read while a write is under way). With one write
// connection, this process's writers queue in Go for it, in order, rather
// than in SQLite's busy handler (which, in this build of SQLite, retries
// once a second): a long write done in batches (SaveSnapshot) lets an
// approval in at the end of its current batch.
func Open(ctx context.Context, path string) (*Store, error) {
	q := url.Values{}
	for _, p := range []string{"foreign_keys(1)", "busy_timeout(5000)", "journal_mode(WAL)", "synchronous(FULL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	return &Store{db: db, w: w}, nil
}

func migrate(ctx context.Context, db *sql.DB) error {
	p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.FS)
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("store: schema version: %w", err)
	}
	sources := p.ListSources()
	latest := sources[len(sources)-1].Version
	if current > latest {
		return fmt.Errorf("store: database schema version %d is newer than this binary's %d: refusing to serve", current, latest)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: apply migrations: %w", err)
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error { return errors.Join(s.db.Close(), s.w.Close()) }

// Ping checks the database answers (for /healthz).
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

func now() string { return dbTime(time.Now()) }

// dbTime writes a time as the database keeps it: UTC with all nine
// fractional digits, so that the text sorts and compares as the time does.
// RFC 3339 with trailing zeros trimmed does not ("09:00:00.5Z" sorts before
// "09:00:00Z", and "09:00:00.55Z" before "09:00:00.5Z"): two snapshots in
// one second could swap which is current, an approval expire a moment
// early or late.
func dbTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z07:00") }
