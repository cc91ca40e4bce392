-- +goose Up
-- Snapshots are ordered by when their inventory was read (a backfilled
-- history is older than the snapshots stored before it).
CREATE INDEX snapshots_created ON snapshots (status, created_at);
