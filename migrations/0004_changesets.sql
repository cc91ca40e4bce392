-- +goose Up
-- Change sets and their review. Every transition is one conditional UPDATE
-- (WHERE status = ...), so two concurrent approvals or applies cannot both win.
CREATE TABLE change_sets (
    id                  INTEGER PRIMARY KEY,
    title               TEXT NOT NULL,
    finding_id          TEXT NOT NULL,
    check_slug          TEXT NOT NULL,
    subject             TEXT NOT NULL,
    snapshot_id         INTEGER NOT NULL,
    content             TEXT NOT NULL,     -- the change set as JSON
    content_hash        TEXT NOT NULL,     -- changeset.Hash of content
    status              TEXT NOT NULL CHECK (status IN ('proposed', 'approved', 'applied', 'rejected', 'expired', 'failed')),
    proposed_by         TEXT NOT NULL,     -- email
    proposed_sub        TEXT NOT NULL,     -- IAP subject
    proposed_at         TEXT NOT NULL,
    decided_by          TEXT NOT NULL DEFAULT '',
    decided_at          TEXT NOT NULL DEFAULT '',
    decision_note       TEXT NOT NULL DEFAULT '',
    approved_hash       TEXT NOT NULL DEFAULT '',
    approval_expires_at TEXT NOT NULL DEFAULT '',
    applied_by          TEXT NOT NULL DEFAULT '',
    applied_at          TEXT NOT NULL DEFAULT '',
    outcome             TEXT NOT NULL DEFAULT '',
    verification        TEXT NOT NULL DEFAULT '' CHECK (verification IN ('', 'verified', 'not-fixed')),
    verified_at         TEXT NOT NULL DEFAULT '',
    verified_snapshot   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX change_sets_status ON change_sets (status, id);
CREATE INDEX change_sets_finding ON change_sets (finding_id);
