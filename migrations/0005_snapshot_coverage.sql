-- +goose Up
-- What each snapshot's read held (content types, asset types, scopes,
-- denied parts), as JSON: checks that need data a read lacked report
-- "unknown", and the console says why (issue 14).
ALTER TABLE snapshots ADD COLUMN coverage TEXT NOT NULL DEFAULT '';
