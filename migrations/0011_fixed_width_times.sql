-- +goose Up
-- The times the store compares or sorts as text are written with all nine
-- fractional digits (2026-12-05T09:00:00.500000000Z), as alert times are
-- since 0010: a snapshot's created_at (which snapshot is current, which are
-- pruned) and a change set's approval_expires_at (whether an approval is
-- still valid). Times already written are padded the same way.
UPDATE snapshots SET created_at = CASE
        WHEN instr(created_at, '.') = 0 THEN substr(created_at, 1, 19) || '.000000000Z'
        ELSE substr(created_at, 1, 20) || substr(substr(created_at, 21, length(created_at) - 21) || '000000000', 1, 9) || 'Z'
    END
    WHERE length(created_at) <> 30 AND created_at LIKE '____-__-__T__:__:__%Z';
UPDATE change_sets SET approval_expires_at = CASE
        WHEN instr(approval_expires_at, '.') = 0 THEN substr(approval_expires_at, 1, 19) || '.000000000Z'
        ELSE substr(approval_expires_at, 1, 20) || substr(substr(approval_expires_at, 21, length(approval_expires_at) - 21) || '000000000', 1, 9) || 'Z'
    END
    WHERE length(approval_expires_at) <> 30 AND approval_expires_at LIKE '____-__-__T__:__:__%Z';
