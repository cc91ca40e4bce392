package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// FeedChange is one change of a Cloud Asset Inventory feed, as journaled.
type FeedChange struct {
	Seq        int64
	ReceivedAt time.Time
	Name       string
	AssetType  string
	Content    string    // "resource" or "iam_policy"
	StartTime  time.Time // window.startTime: when the change happened
	Deleted    bool      // the asset was deleted
	Record     []byte    // the asset as one CAI export line (env values redacted); empty when deleted
}

// Feed contents.
const (
	ContentResource  = "resource"
	ContentIAMPolicy = "iam_policy"
)

func feedTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// RecordFeedChanges journals the changes that are newer than what was taken
// before for the same asset and content (by window.startTime) and than
// floor (when the read of the current snapshot started: it holds what
// changed before), in one transaction with their marks, and returns them
// with their sequence numbers. An older or equal change (delivered out of
// order, or again) is left out: it is taken already or superseded. A
// deletion supersedes both contents of the asset, and is superseded by a
// change of either that is as new or newer. Once this returns, the
// messages may be acknowledged: what they changed is durable.
func (s *Store) RecordFeedChanges(ctx context.Context, changes []FeedChange, floor time.Time) (taken []FeedChange, err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: record feed changes: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	mark := func(name, content string) (time.Time, error) {
		var t string
		err := tx.QueryRowContext(ctx, `SELECT start_time FROM feed_marks WHERE name = ? AND content = ?`, name, content).Scan(&t)
		if errors.Is(err, sql.ErrNoRows) {
			return time.Time{}, nil
		}
		if err != nil {
			return time.Time{}, err
		}
		return time.Parse(time.RFC3339Nano, t)
	}
	setMark := func(c FeedChange, content string) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO feed_marks (name, content, start_time, deleted) VALUES (?, ?, ?, ?)
			ON CONFLICT (name, content) DO UPDATE SET start_time = excluded.start_time, deleted = excluded.deleted`,
			c.Name, content, feedTime(c.StartTime), c.Deleted)
		return err
	}
	received := now()
	for _, c := range changes {
		contents := []string{c.Content}
		if c.Deleted {
			contents = []string{ContentResource, ContentIAMPolicy}
		}
		// A deletion must be newer than what was taken of either
		// content: a change after it means the asset was there again.
		stale := c.StartTime.Before(floor)
		for _, content := range contents {
			last, err := mark(c.Name, content)
			if err != nil {
				return nil, fmt.Errorf("store: record feed changes: %w", err)
			}
			stale = stale || !c.StartTime.After(last)
		}
		if stale {
			continue
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO feed_changes (received_at, name, asset_type, content, start_time, deleted, record) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			received, c.Name, c.AssetType, c.Content, feedTime(c.StartTime), c.Deleted, string(c.Record))
		if err != nil {
			return nil, fmt.Errorf("store: record feed changes: %w", err)
		}
		if c.Seq, err = res.LastInsertId(); err != nil {
			return nil, fmt.Errorf("store: record feed changes: %w", err)
		}
		for _, content := range contents {
			if err := setMark(c, content); err != nil {
				return nil, fmt.Errorf("store: record feed changes: %w", err)
			}
		}
		c.ReceivedAt, _ = time.Parse(time.RFC3339Nano, received)
		taken = append(taken, c)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: record feed changes: commit: %w", err)
	}
	return taken, nil
}

// FeedChangesAfter returns the journaled changes after seq, in order.
func (s *Store) FeedChangesAfter(ctx context.Context, seq int64) ([]FeedChange, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, received_at, name, asset_type, content, start_time, deleted, record FROM feed_changes WHERE seq > ? ORDER BY seq`, seq)
	if err != nil {
		return nil, fmt.Errorf("store: feed changes: %w", err)
	}
	defer rows.Close()
	var out []FeedChange
	for rows.Next() {
		var c FeedChange
		var received, start, record string
		if err := rows.Scan(&c.Seq, &received, &c.Name, &c.AssetType, &c.Content, &start, &c.Deleted, &record); err != nil {
			return nil, fmt.Errorf("store: feed changes: %w", err)
		}
		c.ReceivedAt, _ = time.Parse(time.RFC3339Nano, received)
		c.StartTime, _ = time.Parse(time.RFC3339Nano, start)
		c.Record = []byte(record)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: feed changes: %w", err)
	}
	return out, nil
}

// FeedSeq is the sequence number of the latest journaled change (0: none).
func (s *Store) FeedSeq(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM feed_changes`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("store: feed sequence: %w", err)
	}
	return seq, nil
}

// foldFeed deletes the journal entries a complete snapshot now holds.
func (s *Store) foldFeed(ctx context.Context, seq int64) error {
	if seq <= 0 {
		return nil
	}
	if _, err := s.w.ExecContext(ctx, `DELETE FROM feed_changes WHERE seq <= ?`, seq); err != nil {
		return fmt.Errorf("store: fold feed changes up to %d: %w", seq, err)
	}
	return nil
}

// Setting returns the value of a console setting ("" when unset).
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: setting %s: %w", key, err)
	}
	return v, nil
}

// SetSetting sets (or, with "", clears) a console setting.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	var err error
	if value == "" {
		_, err = s.w.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, key)
	} else {
		_, err = s.w.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	}
	if err != nil {
		return fmt.Errorf("store: set setting %s: %w", key, err)
	}
	return nil
}

// SetSettingAudited sets (or, with "", clears) a console setting and
// appends the audit entry, in one transaction.
func (s *Store) SetSettingAudited(ctx context.Context, key, value string, audit AuditEntry) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: set setting %s: %w", key, err)
	}
	defer func() { _ = tx.Rollback() }()
	if value == "" {
		_, err = tx.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, key)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	}
	if err != nil {
		return fmt.Errorf("store: set setting %s: %w", key, err)
	}
	if err := insertAudit(ctx, tx, audit); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: set setting %s: commit: %w", key, err)
	}
	return nil
}
