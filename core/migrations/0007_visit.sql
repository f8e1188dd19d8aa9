-- Visits (B5): one citizen's time at this window — the queue ticket that called them (if
-- any), the cases decided for them and the rating they gave (G2, GB/T 39734 一次一评).
CREATE TABLE visits (
    id               TEXT PRIMARY KEY,        -- UUIDv7, the synced `visit` record's id
    ticket_id        TEXT,                    -- the queue's ticket id (hall queue)
    ticket_no        TEXT,                    -- the number called, e.g. A023
    mode             TEXT NOT NULL,           -- hall / local / walk_in
    clerk_id         TEXT NOT NULL,
    called_at        INTEGER,                 -- unix ms
    started_at       INTEGER NOT NULL,
    finished_at      INTEGER,
    state            TEXT NOT NULL,           -- open / rating / closed
    rating_deadline  INTEGER,                 -- unix ms, while state = rating
    picked_level     TEXT,                    -- a dissatisfied level picked, reasons pending
    cases            TEXT NOT NULL DEFAULT '[]',  -- JSON [{case_no, item_code, item_name}]
    version          INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX visits_clerk_state ON visits(clerk_id, state);

CREATE TABLE ratings (
    id          TEXT PRIMARY KEY,             -- UUIDv7, the synced `rating` record's id
    visit_id    TEXT NOT NULL UNIQUE REFERENCES visits(id),
    clerk_id    TEXT NOT NULL,
    level       TEXT NOT NULL,
    reasons     TEXT NOT NULL,                -- JSON array of reason keys
    timed_out   INTEGER NOT NULL,
    rated_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX ratings_rated_at ON ratings(rated_at);
