-- +goose Up
-- A snapshot lists the first 1,000 problems of its read (problems) and
-- counts every one by kind, listed or not (problem_tally, JSON: {"all":
-- {"malformed": 12900, ...}, "unlisted": {"malformed": 12000, ...}}), so the
-- console can say "… and 12,345 more (malformed: 12,000, duplicate: 345)"
-- (issue 14). '' before it was recorded: the list was all there was.
ALTER TABLE snapshots ADD COLUMN problem_tally TEXT NOT NULL DEFAULT '';
