-- +goose Up
-- An evidence item's own design (issue 23): the design of the evaluation it reports when it
-- links to no study in the review and the reference names the design (a linked study's
-- design is the study's). Existing rows get none; a store that holds only its seed takes
-- the new embedded dataset at start (see store.Open), one with curators' edits takes it by
-- an import.
ALTER TABLE evidence ADD COLUMN design TEXT;

-- +goose Down
ALTER TABLE evidence DROP COLUMN design;
