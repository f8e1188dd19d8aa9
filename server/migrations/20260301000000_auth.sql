-- UKey certificate login (issue 4): clerks, certificate bindings, login challenges,
-- sessions and the login audit. Portable: TEXT and BIGINT only (no booleans, no JSON
-- types); flags are 0/1, times Unix milliseconds, JSON kept as TEXT.
CREATE TABLE IF NOT EXISTS clerks (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    department TEXT NOT NULL,
    post TEXT NOT NULL,
    -- JSON array of permission strings
    permissions TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS cert_bindings (
    id TEXT PRIMARY KEY,
    clerk_id TEXT NOT NULL REFERENCES clerks (id),
    -- issuer DN (RFC 4514 text) and serial (upper-case hex), as yichuang-pki prints them
    issuer TEXT NOT NULL,
    serial TEXT NOT NULL,
    -- SHA-256 of the certificate DER, lower-case hex
    fingerprint TEXT NOT NULL,
    -- the certificate DER, base64 (holds the public key)
    cert_der TEXT NOT NULL,
    bound_at BIGINT NOT NULL,
    unbound_at BIGINT
);
CREATE INDEX IF NOT EXISTS cert_bindings_issuer_serial ON cert_bindings (issuer, serial);
CREATE INDEX IF NOT EXISTS cert_bindings_clerk ON cert_bindings (clerk_id);

CREATE TABLE IF NOT EXISTS auth_challenges (
    id TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    workstation TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX IF NOT EXISTS auth_challenges_expires ON auth_challenges (expires_at);

CREATE TABLE IF NOT EXISTS auth_sessions (
    -- SHA-256 of the bearer token, lower-case hex; the token itself is never stored
    token_hash TEXT PRIMARY KEY,
    clerk_id TEXT NOT NULL REFERENCES clerks (id),
    workstation TEXT NOT NULL,
    cert_fingerprint TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS login_audit (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    -- `ok` or the error code returned to the workstation
    outcome TEXT NOT NULL,
    clerk_id TEXT,
    cert_fingerprint TEXT,
    issuer TEXT,
    serial TEXT,
    workstation TEXT,
    remote_addr TEXT,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS login_audit_at ON login_audit (at);
