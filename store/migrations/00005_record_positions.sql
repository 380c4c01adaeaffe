-- +goose Up
-- A new record takes the position after the last (store/write.go, positionOf): with an
-- index on position, finding the last is a look at the index's end rather than a scan
-- of every record, so a write's cost does not grow with the evidence base.
CREATE INDEX studies_by_position ON studies (position);
CREATE INDEX interventions_by_position ON interventions (position);

-- +goose Down
DROP INDEX interventions_by_position;
DROP INDEX studies_by_position;
