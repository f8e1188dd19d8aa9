-- The field office's own queue (`queue.mode = "local"`, issue 17 item 6): tickets issued and
-- called at this workstation, no citizen data (number, item group, timings). Synced as
-- `queue_ticket` records; the visit records link them to cases and ratings as in a hall.
CREATE TABLE local_tickets (
    id           TEXT PRIMARY KEY,            -- UUIDv7
    day          INTEGER NOT NULL,            -- days since 1970-01-01 in China Standard Time
    seq          INTEGER NOT NULL,            -- the group's sequence of the day
    number       TEXT NOT NULL,               -- prefix + seq, e.g. A003
    group_code   TEXT NOT NULL,
    priority     TEXT NOT NULL,               -- normal / green
    status       TEXT NOT NULL,               -- waiting / called / skipped / finished
    window       INTEGER,
    recalls      INTEGER NOT NULL DEFAULT 0,
    reprints     INTEGER NOT NULL DEFAULT 0,
    issued_at    INTEGER NOT NULL,
    called_at    INTEGER,
    skipped_at   INTEGER,
    finished_at  INTEGER,
    cases        TEXT NOT NULL DEFAULT '[]',
    version      INTEGER NOT NULL DEFAULT 1,
    UNIQUE (day, number)
) STRICT;
CREATE INDEX local_tickets_waiting ON local_tickets(day, status, group_code, issued_at);

-- The window's pause (one row per window served here).
CREATE TABLE local_windows (
    window        INTEGER PRIMARY KEY,
    paused        INTEGER NOT NULL DEFAULT 0,
    pause_reason  TEXT
) STRICT;

-- Answers of verbs already done, by request id: a retried click acts once.
CREATE TABLE local_queue_requests (
    request_id  TEXT PRIMARY KEY,
    verb        TEXT NOT NULL,
    response    TEXT NOT NULL,
    at          INTEGER NOT NULL
) STRICT;
