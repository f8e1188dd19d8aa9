-- Workstation identity and small settings.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Records waiting to be pushed to the central backend. A row is deleted only in the same
-- transaction that records the server's acknowledgement (see the sync issue).
CREATE TABLE outbox (
    id          TEXT PRIMARY KEY,          -- client-made id of the record (UUIDv7)
    kind        TEXT NOT NULL,             -- 'case', 'audit', 'rating', ...
    version     INTEGER NOT NULL DEFAULT 1,
    payload     TEXT NOT NULL,             -- JSON
    created_at  INTEGER NOT NULL,          -- unix ms
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT
) STRICT;
CREATE INDEX outbox_created ON outbox(created_at);
