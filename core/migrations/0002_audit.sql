-- Audit trail of the workstation: who did what, when. Each entry will carry the hash of the
-- previous one (audit-chain issue); the column exists from the start so the chain never has
-- an unhashed prefix.
CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    at          INTEGER NOT NULL,          -- unix ms
    actor       TEXT,                      -- clerk id; NULL before login
    action      TEXT NOT NULL,             -- 'app.start', 'login.ok', 'card.read', ...
    subject     TEXT,
    detail      TEXT NOT NULL DEFAULT '{}',
    prev_hash   TEXT,
    hash        TEXT
) STRICT;
CREATE INDEX audit_log_at ON audit_log(at);
