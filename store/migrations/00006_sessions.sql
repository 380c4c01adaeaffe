-- +goose Up
-- Curators' sign-ins in a browser (web/curation.go): one row per session, so every
-- replica knows every session. Only a SHA-256 hash of the session id is kept; the id
-- itself lives in the browser's cookie. A session belongs to the token it was opened
-- with: its name and role are the token's, and revoking the token deletes its sessions
-- in the same transaction. Times are RFC 3339 text in UTC at a fixed width, as in tokens.
-- last_seen_at moves on at most once a minute; a session idle longer than the site's idle
-- limit, or past expires_at, is over.
CREATE TABLE sessions (
    hash         TEXT PRIMARY KEY,
    token_name   TEXT NOT NULL REFERENCES tokens (name) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX sessions_by_token ON sessions (token_name);

-- +goose Down
DROP TABLE sessions;
