-- +goose Up
-- Typed evidence (issue 10): what kind of evidence an item is, which way an impact item's
-- result went (and the reference fact it comes from), and where it was published relative
-- to the review window. `window` replaces the boolean outside_window, which could not say
-- which side of the window an item falls. Existing rows get neutral values here; a store
-- that holds only its seed takes the new embedded dataset at start (see store.Open), and
-- one that holds curators' edits is brought up to date by an import.
ALTER TABLE evidence ADD COLUMN kind TEXT NOT NULL DEFAULT 'description';
ALTER TABLE evidence ADD COLUMN result TEXT;
ALTER TABLE evidence ADD COLUMN result_fact TEXT;
ALTER TABLE evidence ADD COLUMN "window" TEXT NOT NULL DEFAULT 'in';
ALTER TABLE evidence DROP COLUMN outside_window;

-- +goose Down
ALTER TABLE evidence ADD COLUMN outside_window {{.Boolean}} NOT NULL DEFAULT {{.False}};
UPDATE evidence SET outside_window = ("window" <> 'in');
ALTER TABLE evidence DROP COLUMN "window";
ALTER TABLE evidence DROP COLUMN result_fact;
ALTER TABLE evidence DROP COLUMN result;
ALTER TABLE evidence DROP COLUMN kind;
