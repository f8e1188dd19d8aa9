-- Intake at the window (issue 5): cases, their changes after the decision, case numbers,
-- the clerk's item usage, and the cached catalog.

-- The catalog pulled from the server (the sync migration creates it too, same shape).
CREATE TABLE IF NOT EXISTS catalog_cache (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    etag       TEXT,
    version    TEXT NOT NULL,
    json       TEXT NOT NULL,
    fetched_at INTEGER NOT NULL
);

-- One row per case (件). `data` holds the whole case as JSON (parties, form, materials,
-- decision, notices); the columns are what history searches and sorts by.
CREATE TABLE cases (
    id               TEXT PRIMARY KEY,        -- UUIDv7, made here
    case_no          TEXT UNIQUE,             -- allocated before the first notice is printed
    version          INTEGER NOT NULL,        -- grows with every saved change (sync)
    state            TEXT NOT NULL,           -- draft/accepted/deferred/rejected/supplement/withdrawn
    item_code        TEXT NOT NULL,
    item_name        TEXT NOT NULL,
    department       TEXT NOT NULL,
    clerk_id         TEXT NOT NULL,
    applicant_name   TEXT NOT NULL DEFAULT '',
    applicant_id_no  TEXT NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,        -- unix ms
    updated_at       INTEGER NOT NULL,
    decided_at       INTEGER,
    due_date         TEXT,                    -- yyyy-mm-dd: 办结 or 补正/容缺 deadline
    print_count      INTEGER NOT NULL DEFAULT 0,
    data             TEXT NOT NULL
) STRICT;
-- History (I1) reads one clerk's cases newest first; each search mode has an index that gives
-- its rows already in the order shown, so no search sorts a clerk's whole history.
CREATE INDEX cases_clerk_created ON cases(clerk_id, created_at);
CREATE INDEX cases_clerk_name ON cases(clerk_id, applicant_name, created_at DESC);
CREATE INDEX cases_clerk_state ON cases(clerk_id, state, created_at);
CREATE INDEX cases_clerk_item ON cases(clerk_id, item_code, created_at);
CREATE INDEX cases_clerk_idno ON cases(clerk_id, applicant_id_no, created_at DESC);
CREATE INDEX cases_clerk_caseno ON cases(clerk_id, case_no);

-- Changes after the decision (E9): who, when, why, what.
CREATE TABLE case_changes (
    id        TEXT PRIMARY KEY,
    case_id   TEXT NOT NULL REFERENCES cases(id),
    at        INTEGER NOT NULL,
    clerk_id  TEXT NOT NULL,
    kind      TEXT NOT NULL,                  -- 'edit', 'withdraw'
    reason    TEXT NOT NULL,
    detail    TEXT NOT NULL
) STRICT;
CREATE INDEX case_changes_case ON case_changes(case_id, at);

-- Next case sequence number per day (this workstation's window).
CREATE TABLE case_seq (
    day   TEXT PRIMARY KEY,                   -- yyyymmdd
    next  INTEGER NOT NULL
) STRICT;

-- Items the clerk used (recent, frequent) and marked as favourites (D3).
CREATE TABLE item_usage (
    clerk_id   TEXT NOT NULL,
    item_code  TEXT NOT NULL,
    uses       INTEGER NOT NULL DEFAULT 0,
    last_used  INTEGER NOT NULL DEFAULT 0,
    favourite  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (clerk_id, item_code)
) STRICT;

-- A case's own trail (detail page): its audit entries by case number.
CREATE INDEX audit_log_subject ON audit_log(subject);
