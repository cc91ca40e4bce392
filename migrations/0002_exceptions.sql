-- +goose Up
-- Accepted risks. An exception covers one finding ID (stable across syncs)
-- until it expires; expired or revoked exceptions stay for the record.
CREATE TABLE exceptions (
    id          INTEGER PRIMARY KEY,
    finding_id  TEXT NOT NULL,
    check_slug  TEXT NOT NULL,
    subject     TEXT NOT NULL,
    owner       TEXT NOT NULL CHECK (owner <> ''),
    reason      TEXT NOT NULL CHECK (reason <> ''),
    expires_at  TEXT NOT NULL,   -- RFC 3339, UTC
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT,
    revoked_by  TEXT
);
CREATE INDEX exceptions_finding ON exceptions (finding_id, expires_at);

-- IAM recommender data of a snapshot, kept so a restart can rebuild it.
CREATE TABLE snapshot_recommender (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('recommendation', 'insight')),
    name        TEXT NOT NULL,
    body        TEXT NOT NULL,   -- the inventory.Recommendation / Insight as JSON
    PRIMARY KEY (snapshot_id, kind, name)
) WITHOUT ROWID;
