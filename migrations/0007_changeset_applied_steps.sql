-- +goose Up
-- The steps an apply carried out (JSON array of 1-based step numbers), so
-- that the rollback of a change set whose apply stopped half-way reverses
-- exactly what was done (issue 16). '' where unknown (applied before this
-- was recorded, or not applied).
ALTER TABLE change_sets ADD COLUMN applied_steps TEXT NOT NULL DEFAULT '';
