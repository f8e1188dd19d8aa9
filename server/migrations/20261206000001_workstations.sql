-- Enrolled workstations (issue 15): the id comes from the credential only. Portable: TEXT and
-- BIGINT only, flags 0/1, times Unix milliseconds.
CREATE TABLE IF NOT EXISTS workstations (
    -- `{hall code}-{window}`
    id TEXT PRIMARY KEY,
    hall_code TEXT NOT NULL,
    window_no BIGINT NOT NULL,
    enabled BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    -- when its current key was enrolled (NULL until the first code is used)
    enrolled_at BIGINT,
    disabled_at BIGINT
);
CREATE INDEX IF NOT EXISTS workstations_hall ON workstations (hall_code);

-- Every key a workstation has had: the current one has valid_to NULL. The history stays so
-- that a signature made with an earlier key (an audit chain head) can be checked later.
CREATE TABLE IF NOT EXISTS workstation_keys (
    id TEXT PRIMARY KEY,
    workstation_id TEXT NOT NULL REFERENCES workstations (id),
    -- Ed25519 public key, standard base64 of 32 bytes
    public_key TEXT NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_to BIGINT
);
CREATE INDEX IF NOT EXISTS workstation_keys_ws ON workstation_keys (workstation_id);

-- One-time enrollment codes; only the SHA-256 of the (normalized) code is kept.
CREATE TABLE IF NOT EXISTS enrollment_codes (
    code_hash TEXT PRIMARY KEY,
    workstation_id TEXT NOT NULL REFERENCES workstations (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX IF NOT EXISTS enrollment_codes_ws ON enrollment_codes (workstation_id);

-- Which workstations uploaded (all the bytes of) a blob: a clerk reads a blob only when a
-- workstation of the clerk's hall uploaded it.
CREATE TABLE IF NOT EXISTS sync_blob_holders (
    sha256 TEXT NOT NULL,
    workstation TEXT NOT NULL,
    stored_at BIGINT NOT NULL,
    PRIMARY KEY (sha256, workstation)
);
INSERT INTO sync_blob_holders (sha256, workstation, stored_at)
    SELECT sha256, workstation, stored_at FROM sync_blobs WHERE 1 = 1
    ON CONFLICT (sha256, workstation) DO NOTHING;

-- Who is uploading a partial blob: only that workstation may write or restart it.
CREATE TABLE IF NOT EXISTS sync_blob_uploads (
    sha256 TEXT PRIMARY KEY,
    workstation TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A session ended by IT (certificate unbound, clerk disabled) stays until it expires, marked,
-- so that its token is answered `session_ended` rather than "unknown".
ALTER TABLE auth_sessions ADD COLUMN ended_at BIGINT;
