-- +goose Up
-- Feed journal sequence numbers never go back. feed_changes.seq was a plain
-- INTEGER PRIMARY KEY, which SQLite reuses once the rows with the largest
-- ones are deleted: after a fold emptied the journal, the next change got
-- seq 1 again, at or below the snapshot's feed_seq, so it was never applied
-- to the served state (nor alerted on) and the next fold deleted it.
-- AUTOINCREMENT never hands out a number used before.
CREATE TABLE feed_changes_next (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at TEXT    NOT NULL,            -- RFC 3339, UTC
    name        TEXT    NOT NULL,            -- asset name
    asset_type  TEXT    NOT NULL,
    content     TEXT    NOT NULL CHECK (content IN ('resource', 'iam_policy', 'asset')),
    start_time  TEXT    NOT NULL,            -- window.startTime of the change, RFC 3339 UTC
    deleted     INTEGER NOT NULL DEFAULT 0,
    record      TEXT    NOT NULL             -- the asset as one CAI export line, env values redacted
);
INSERT INTO feed_changes_next (seq, received_at, name, asset_type, content, start_time, deleted, record)
    SELECT seq, received_at, name, asset_type, content, start_time, deleted, record FROM feed_changes;
DROP TABLE feed_changes;
ALTER TABLE feed_changes_next RENAME TO feed_changes;

-- Start after every number already handed out: those of the journal, of
-- the snapshots that hold it, and the one alerted up to.
DELETE FROM sqlite_sequence WHERE name IN ('feed_changes', 'feed_changes_next');
INSERT INTO sqlite_sequence (name, seq) VALUES ('feed_changes', MAX(
    (SELECT COALESCE(MAX(seq), 0) FROM feed_changes),
    (SELECT COALESCE(MAX(feed_seq), 0) FROM snapshots),
    (SELECT COALESCE(MAX(CAST(value AS INTEGER)), 0) FROM settings WHERE key = 'feed.alerted_seq')));
