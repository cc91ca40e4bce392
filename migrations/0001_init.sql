-- +goose Up
-- Snapshots: one per sync. Only a complete snapshot is ever served; a failed
-- sync leaves a row with status 'failed' and its error, nothing else.
CREATE TABLE snapshots (
    id          INTEGER PRIMARY KEY,
    created_at  TEXT    NOT NULL,             -- RFC 3339, UTC
    source      TEXT    NOT NULL,             -- "demo", "files: a.json, b.json", "live: organizations/1"
    status      TEXT    NOT NULL CHECK (status IN ('complete', 'failed')),
    records     INTEGER NOT NULL DEFAULT 0,
    assets      INTEGER NOT NULL DEFAULT 0,
    skipped     INTEGER NOT NULL DEFAULT 0,
    problems    TEXT    NOT NULL DEFAULT '[]', -- JSON array of strings
    error       TEXT    NOT NULL DEFAULT '',
    org_score   INTEGER,
    org_grade   TEXT
);

-- The assets of a complete snapshot, so the server can rebuild the graph
-- after a restart without re-reading the source.
CREATE TABLE snapshot_assets (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    asset_type  TEXT    NOT NULL,
    version     TEXT    NOT NULL DEFAULT '',
    parent      TEXT    NOT NULL DEFAULT '',
    location    TEXT    NOT NULL DEFAULT '',
    data        TEXT,                 -- resource.data JSON, NULL without a RESOURCE record
    iam_policy  TEXT,                 -- IAM policy JSON, NULL without an IAM_POLICY record
    ancestors   TEXT    NOT NULL DEFAULT '[]',
    update_time TEXT    NOT NULL DEFAULT '',
    source      TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (snapshot_id, name)
) WITHOUT ROWID;

CREATE TABLE findings (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    id          TEXT    NOT NULL,
    check_slug  TEXT    NOT NULL,
    severity    TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    affects     TEXT    NOT NULL,  -- JSON array of node IDs
    evidence    TEXT    NOT NULL,  -- JSON; never holds secret values
    excepted    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (snapshot_id, id)
) WITHOUT ROWID;
CREATE INDEX findings_check ON findings (snapshot_id, check_slug);

CREATE TABLE scores (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    scope       TEXT    NOT NULL CHECK (scope IN ('organization', 'folder', 'project', 'label', 'service')),
    scope_id    TEXT    NOT NULL,
    label       TEXT    NOT NULL,
    score       INTEGER NOT NULL,
    grade       TEXT    NOT NULL,
    services    INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (snapshot_id, scope, scope_id)
) WITHOUT ROWID;
CREATE INDEX scores_scope ON scores (scope, scope_id, snapshot_id);

-- Users are keyed on the IAP subject, shown by email.
CREATE TABLE users (
    sub        TEXT PRIMARY KEY,
    email      TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('viewer', 'reviewer', 'engineer', 'manager', 'admin')),
    created_at TEXT NOT NULL,
    last_seen  TEXT NOT NULL
);

-- Append-only audit log: updates and deletes are refused.
CREATE TABLE audit (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,  -- email (sub in detail)
    action     TEXT NOT NULL,
    target     TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL DEFAULT ''
);
-- +goose StatementBegin
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;
-- +goose StatementEnd
