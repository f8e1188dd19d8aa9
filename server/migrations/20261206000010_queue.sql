-- The hall's queue (issue 17). Portable: TEXT and BIGINT only, flags 0/1, times Unix ms.

-- One row per hall: the lock every queue change takes first (serialises the hall's verbs,
-- on PostgreSQL across server instances too) and the hall's event sequence.
CREATE TABLE IF NOT EXISTS queue_halls (
    hall_code TEXT PRIMARY KEY,
    last_event BIGINT NOT NULL DEFAULT 0
);

-- Item groups: each has a ticket prefix (A, B, ...) and a waiting list.
CREATE TABLE IF NOT EXISTS queue_groups (
    hall_code TEXT NOT NULL,
    code TEXT NOT NULL,
    prefix TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (hall_code, code)
);

-- Windows of a hall and their pause state.
CREATE TABLE IF NOT EXISTS queue_windows (
    hall_code TEXT NOT NULL,
    window_no BIGINT NOT NULL,
    paused BIGINT NOT NULL DEFAULT 0,
    pause_reason TEXT,
    paused_at BIGINT,
    PRIMARY KEY (hall_code, window_no)
);

-- Which item groups a window serves.
CREATE TABLE IF NOT EXISTS queue_window_groups (
    hall_code TEXT NOT NULL,
    window_no BIGINT NOT NULL,
    group_code TEXT NOT NULL,
    PRIMARY KEY (hall_code, window_no, group_code)
);

-- Daily ticket sequence per hall and prefix (day: days since the epoch, hall time).
CREATE TABLE IF NOT EXISTS queue_counters (
    hall_code TEXT NOT NULL,
    day BIGINT NOT NULL,
    prefix TEXT NOT NULL,
    last_no BIGINT NOT NULL,
    PRIMARY KEY (hall_code, day, prefix)
);

-- Tickets. status: waiting, called, skipped, finished. priority: normal, appointment, green.
-- target_window: set by a transfer to a window (only that window calls it).
CREATE TABLE IF NOT EXISTS queue_tickets (
    id TEXT PRIMARY KEY,
    hall_code TEXT NOT NULL,
    day BIGINT NOT NULL,
    number TEXT NOT NULL,
    seq BIGINT NOT NULL,
    group_code TEXT NOT NULL,
    priority TEXT NOT NULL,
    slot_start BIGINT,
    slot_end BIGINT,
    status TEXT NOT NULL,
    window_no BIGINT,
    target_window BIGINT,
    recalls BIGINT NOT NULL DEFAULT 0,
    reprints BIGINT NOT NULL DEFAULT 0,
    issued_at BIGINT NOT NULL,
    called_at BIGINT,
    first_called_at BIGINT,
    skipped_at BIGINT,
    finished_at BIGINT,
    clerk_id TEXT,
    workstation TEXT,
    cases TEXT NOT NULL DEFAULT '[]',
    UNIQUE (hall_code, day, number)
);
CREATE INDEX IF NOT EXISTS queue_tickets_waiting ON queue_tickets (hall_code, status, group_code);
CREATE INDEX IF NOT EXISTS queue_tickets_window ON queue_tickets (hall_code, window_no, status);

-- Every queue change, in order per hall: what the SSE streams send (and resume from).
CREATE TABLE IF NOT EXISTS queue_events (
    hall_code TEXT NOT NULL,
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (hall_code, seq)
);

-- Verb results by the client's request id: a retried verb gets the stored answer.
CREATE TABLE IF NOT EXISTS queue_requests (
    workstation TEXT NOT NULL,
    request_id TEXT NOT NULL,
    verb TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (workstation, request_id)
);

-- Hall devices (call screen, kiosk): browsers paired with a one-time code; both the code and
-- the cookie token are kept as SHA-256 only.
CREATE TABLE IF NOT EXISTS hall_devices (
    id TEXT PRIMARY KEY,
    hall_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    code_hash TEXT NOT NULL UNIQUE,
    code_expires_at BIGINT NOT NULL,
    token_hash TEXT UNIQUE,
    paired_at BIGINT,
    enabled BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);

-- Visits and ratings pushed by the workstations (records of kind visit / rating), extracted
-- from sync_records in the same transaction.
CREATE TABLE IF NOT EXISTS visits (
    id TEXT PRIMARY KEY,
    workstation TEXT NOT NULL,
    hall_code TEXT NOT NULL,
    window_no BIGINT NOT NULL,
    ticket_id TEXT,
    ticket_no TEXT,
    mode TEXT NOT NULL,
    called_at BIGINT,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    clerk_id TEXT NOT NULL,
    cases TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS visits_ticket ON visits (ticket_id);

CREATE TABLE IF NOT EXISTS ratings (
    id TEXT PRIMARY KEY,
    visit_id TEXT NOT NULL,
    workstation TEXT NOT NULL,
    hall_code TEXT NOT NULL,
    window_no BIGINT NOT NULL,
    ticket_id TEXT,
    clerk_id TEXT NOT NULL,
    cases TEXT NOT NULL,
    item_codes TEXT NOT NULL,
    level TEXT NOT NULL,
    reasons TEXT NOT NULL,
    timed_out BIGINT NOT NULL,
    rated_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS ratings_visit ON ratings (visit_id);
CREATE INDEX IF NOT EXISTS ratings_hall ON ratings (hall_code, rated_at);
