-- Sync from the workstations (issue 6): records pushed from the outboxes, blobs (material
-- files) uploaded in chunks, and the audit entries with their hash links for the continuity
-- check. Portable: TEXT and BIGINT only, times in Unix milliseconds, JSON kept as TEXT.

-- One row per client-made record id; the highest version wins, lower and equal versions are
-- acknowledged without a change (idempotent replays).
CREATE TABLE IF NOT EXISTS sync_records (
    id TEXT PRIMARY KEY,
    workstation TEXT NOT NULL,
    kind TEXT NOT NULL,
    version BIGINT NOT NULL,
    payload TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS sync_records_ws_kind ON sync_records (workstation, kind);

-- Complete, hash-verified blobs. Partial uploads live in the blob store's staging area.
CREATE TABLE IF NOT EXISTS sync_blobs (
    sha256 TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    workstation TEXT NOT NULL,
    stored_at BIGINT NOT NULL
);

-- Audit entries as chain links, per workstation.
CREATE TABLE IF NOT EXISTS sync_audit (
    id TEXT PRIMARY KEY,
    workstation TEXT NOT NULL,
    at BIGINT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    -- 1 when the stored hash matches the entry's fields, 0 when it does not (edited)
    hash_ok BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS sync_audit_ws ON sync_audit (workstation);

-- What the continuity check found beyond gaps: edits (a known entry re-sent with other
-- content, or a hash that does not match its fields).
CREATE TABLE IF NOT EXISTS sync_audit_flags (
    id TEXT PRIMARY KEY,
    workstation TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    flagged_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS sync_audit_flags_ws ON sync_audit_flags (workstation);

-- Configuration served to the workstations (`default` or a workstation id), JSON text.
CREATE TABLE IF NOT EXISTS sync_config (
    scope TEXT PRIMARY KEY,
    json TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
