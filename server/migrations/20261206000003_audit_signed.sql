-- Audit that cannot be rewritten (issue 15, item 4). Portable: TEXT and BIGINT only, times in
-- Unix milliseconds.

-- An audit record id re-sent with other content than the server holds: never applied, kept
-- here as received and reported by the audit check.
CREATE TABLE IF NOT EXISTS audit_conflicts (
    id TEXT PRIMARY KEY,
    workstation TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    -- the payload as received (JSON text) and its SHA-256 (hex)
    payload TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_conflicts_ws ON audit_conflicts (workstation);

-- The signed chain heads, one per push that carried audit entries: the workstation's Ed25519
-- signature over `audit_head_message(workstation, seq, hash)` of the last entry it pushed,
-- verified on arrival with the key (`workstation_keys.id`) valid then.
CREATE TABLE IF NOT EXISTS audit_heads (
    id TEXT PRIMARY KEY,
    workstation TEXT NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    signature TEXT NOT NULL,
    key_id TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_heads_ws ON audit_heads (workstation, seq);
