-- +goose Up
-- Alert times are written with all nine fractional digits
-- (2026-12-05T09:00:00.500000000Z), so that the text sorts and compares as
-- the time does: RFC 3339 with the trailing zeros trimmed did not
-- ("09:00:00.5Z" sorted before "09:00:00Z"), which misordered the alerts
-- and made "since" miss some and include others. Times already written
-- are padded.
UPDATE alerts SET at = CASE
        WHEN instr(at, '.') = 0 THEN substr(at, 1, 19) || '.000000000Z'
        ELSE substr(at, 1, 20) || substr(substr(at, 21, length(at) - 21) || '000000000', 1, 9) || 'Z'
    END
    WHERE length(at) <> 30 AND at LIKE '____-__-__T__:__:__%Z';
