-- Cases as the hall's record (issue 18): the `case` records the workstations push are
-- extracted into these tables in the push's transaction. Citizen identities are kept only as
-- keyed hashes (HMAC-SHA256 under a key derived from the server's grant key) for the search
-- and as masked text for lists; the decided case itself stays the pushed record.

CREATE TABLE IF NOT EXISTS cases (
    id TEXT PRIMARY KEY,
    -- Unique in the hall's record; a second case arriving with a held number is kept aside in
    -- `case_clashes`, never merged.
    case_no TEXT,
    hall_code TEXT NOT NULL,
    workstation TEXT NOT NULL,
    window_no BIGINT NOT NULL,
    department TEXT NOT NULL,
    item_code TEXT NOT NULL,
    item_name TEXT NOT NULL,
    -- The desk's decision: accepted, deferred, rejected, supplement, withdrawn, draft.
    state TEXT NOT NULL,
    -- The back office's progress: received, in_review, approved, denied, ready, picked_up.
    progress TEXT NOT NULL,
    clerk_id TEXT NOT NULL,
    applicant_masked TEXT NOT NULL,
    applicant_id_index TEXT NOT NULL,
    applicant_name_index TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    decided_at BIGINT,
    due_date TEXT,
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS cases_case_no ON cases (case_no);
-- The search: equality on the keyed hash, newest first (a common name is thousands of rows).
CREATE INDEX IF NOT EXISTS cases_hall_id ON cases (hall_code, applicant_id_index, created_at);
CREATE INDEX IF NOT EXISTS cases_hall_name ON cases (hall_code, applicant_name_index, created_at);

-- The other parties (agent, pickup person) of a case, by role.
CREATE TABLE IF NOT EXISTS case_parties (
    case_id TEXT NOT NULL,
    role TEXT NOT NULL,
    masked TEXT NOT NULL,
    id_index TEXT NOT NULL,
    name_index TEXT NOT NULL,
    PRIMARY KEY (case_id, role)
);
CREATE INDEX IF NOT EXISTS case_parties_id ON case_parties (id_index);

-- The materials checklist as decided.
CREATE TABLE IF NOT EXISTS case_materials (
    case_id TEXT NOT NULL,
    material_id TEXT NOT NULL,
    name TEXT NOT NULL,
    required BIGINT NOT NULL,
    received TEXT NOT NULL,
    pages BIGINT NOT NULL,
    files BIGINT NOT NULL,
    PRIMARY KEY (case_id, material_id)
);

-- Every progress step of a case, numbered per workstation that holds the case: the feed
-- the workstation pulls (`after` its last seq).
CREATE TABLE IF NOT EXISTS case_events (
    workstation TEXT NOT NULL,
    seq BIGINT NOT NULL,
    case_id TEXT NOT NULL,
    case_no TEXT,
    progress TEXT NOT NULL,
    note TEXT NOT NULL,
    -- desk (the pushed decision), backoffice:<system id>, admin, issuing:<workstation>
    source TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (workstation, seq)
);
CREATE INDEX IF NOT EXISTS case_events_case ON case_events (case_id);

CREATE TABLE IF NOT EXISTS case_feed_heads (
    workstation TEXT PRIMARY KEY,
    last_seq BIGINT NOT NULL
);

-- A case pushed with a number the hall already holds for another case: kept whole for IT.
CREATE TABLE IF NOT EXISTS case_clashes (
    record_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    case_no TEXT NOT NULL,
    held_by TEXT NOT NULL,
    workstation TEXT NOT NULL,
    payload TEXT NOT NULL,
    flagged_at BIGINT NOT NULL,
    PRIMARY KEY (record_id, version)
);

-- Systems that report case progress (approval systems): bearer tokens, stored hashed.
CREATE TABLE IF NOT EXISTS system_clients (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    hall_code TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    disabled_at BIGINT
);

-- Results handed over at an issuing window (H1–H2): who took them (masked and keyed hash),
-- how (on site, by post with a tracking number, in a locker with its code), the handover photo
-- (a blob), by which clerk and workstation. A handover the rules refuse on arrival (a case
-- handed over twice, offline at two windows) is kept with its `flag` for IT.
CREATE TABLE IF NOT EXISTS case_pickups (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    case_no TEXT,
    hall_code TEXT NOT NULL,
    workstation TEXT NOT NULL,
    clerk_id TEXT NOT NULL,
    relation TEXT NOT NULL,
    person_masked TEXT NOT NULL,
    person_id_index TEXT NOT NULL,
    method TEXT NOT NULL,
    tracking_no TEXT,
    locker_code TEXT,
    photo TEXT,
    picked_at BIGINT NOT NULL,
    -- NULL, or why the rules refused it: already_picked_up, not_ready, person_mismatch, locker_in_use
    flag TEXT
);
CREATE INDEX IF NOT EXISTS case_pickups_case ON case_pickups (case_id);
CREATE INDEX IF NOT EXISTS case_pickups_locker ON case_pickups (hall_code, locker_code, picked_at);
