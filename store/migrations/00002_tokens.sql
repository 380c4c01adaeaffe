-- +goose Up
-- API tokens for curators and admins. Only a SHA-256 hash of each token is kept: the token
-- itself is shown once, when it is made. Times are RFC 3339 text in UTC, at a fixed width
-- so that they sort as they compare; plain portable SQL, for a PostgreSQL variant to follow.
-- Names are never reused, even after revocation, so the audit log's names stay unambiguous.
CREATE TABLE tokens (
    name         TEXT PRIMARY KEY,
    role         TEXT NOT NULL CHECK (role IN ('curator', 'admin')),
    prefix       TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);

-- +goose Down
DROP TABLE tokens;
