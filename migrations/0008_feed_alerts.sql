-- +goose Up
-- Continuous guard (issue 18).
--
-- feed_changes is the journal of Cloud Asset Inventory feed changes taken
-- from Pub/Sub: a message is acknowledged only once its change is here. The
-- served state is the current snapshot with the journal entries after its
-- feed_seq applied; folding the journal into a new snapshot deletes the
-- entries it holds.
CREATE TABLE feed_changes (
    seq         INTEGER PRIMARY KEY,
    received_at TEXT    NOT NULL,            -- RFC 3339, UTC
    name        TEXT    NOT NULL,            -- asset name
    asset_type  TEXT    NOT NULL,
    content     TEXT    NOT NULL CHECK (content IN ('resource', 'iam_policy', 'asset')),
    start_time  TEXT    NOT NULL,            -- window.startTime of the change, RFC 3339 UTC
    deleted     INTEGER NOT NULL DEFAULT 0,
    record      TEXT    NOT NULL             -- the asset as one CAI export line, env values redacted
);

-- feed_marks holds, per asset and content, the time of the latest change
-- taken: an older or equal one (out of order, redelivered) is not applied.
-- Written in the same transaction as the journal entry.
CREATE TABLE feed_marks (
    name       TEXT    NOT NULL,
    content    TEXT    NOT NULL,
    start_time TEXT    NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (name, content)
) WITHOUT ROWID;

-- The journal sequence a snapshot includes (0: none).
ALTER TABLE snapshots ADD COLUMN feed_seq INTEGER NOT NULL DEFAULT 0;

-- Alerts: new findings at or above the alert severity, and drift events
-- between two states of a workload. A finding alert stays open until the
-- finding is gone from the served state (cleared_at), so the same finding
-- does not alert twice until it has been fixed and reappears.
CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,             -- when the change was seen (RFC 3339, UTC)
    changed_at  TEXT    NOT NULL DEFAULT '',  -- when it happened (the feed's window.startTime), if known
    kind        TEXT    NOT NULL CHECK (kind IN ('finding', 'drift')),
    event       TEXT    NOT NULL,             -- check slug or drift event
    severity    TEXT    NOT NULL,
    subject     TEXT    NOT NULL,             -- node ID
    workload    TEXT    NOT NULL DEFAULT '',  -- the service or job it is about, if one
    project     TEXT    NOT NULL DEFAULT '',
    message     TEXT    NOT NULL,             -- in words, with names
    finding_id  TEXT    NOT NULL DEFAULT '',  -- the finding it reports or made, if one
    source      TEXT    NOT NULL DEFAULT '',  -- "feed" or the sync's source
    cleared_at  TEXT                          -- finding alerts: when the finding went away
);
CREATE INDEX alerts_at ON alerts (at);
CREATE INDEX alerts_workload ON alerts (workload, at);
CREATE INDEX alerts_open_finding ON alerts (finding_id) WHERE finding_id <> '' AND cleared_at IS NULL;

-- Image repositories each workload has run, for "an image from a repository
-- this workload never used before".
CREATE TABLE workload_repositories (
    workload   TEXT NOT NULL,
    repository TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    PRIMARY KEY (workload, repository)
) WITHOUT ROWID;

-- Settings an admin sets in the console (the alert webhook URL).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
