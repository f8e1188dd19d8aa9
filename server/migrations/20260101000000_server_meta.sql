-- Key/value facts about this server instance (e.g. its instance id).
-- Keep every migration portable: it runs unchanged on SQLite and PostgreSQL.
CREATE TABLE IF NOT EXISTS server_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
