-- +goose Up
-- The audit log: one row per record a write changed, appended in the write's own
-- transaction, never updated or deleted by the service. before and after are the record's
-- JSON documents (NULL when it did not exist). revision is the store revision the write
-- produced; the meta table keeps the current one.
CREATE TABLE audit (
    id          {{.AutoID}},
    at          TEXT NOT NULL,
    revision    {{.BigInt}} NOT NULL,
    actor       TEXT NOT NULL,
    role        TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    operation   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    before_doc  TEXT,
    after_doc   TEXT
);
CREATE INDEX audit_record ON audit (kind, record_id, id);
CREATE INDEX audit_revision ON audit (revision);

-- POSTs sent with an Idempotency-Key, per token: a retry with the same key and body is
-- answered with the record the first one created, instead of creating a second.
CREATE TABLE idempotency (
    actor        TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    kind         TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (actor, key)
);

-- +goose Down
DROP TABLE idempotency;
DROP TABLE audit;
