-- Offline grants (A1/J): after an online login the server hands the workstation a signed
-- grant for that clerk's certificate; offline, the same key must sign a local challenge that
-- verifies against the certificate kept here. One row per certificate, replaced on each
-- online login.
CREATE TABLE offline_grant (
    cert_fingerprint TEXT PRIMARY KEY,     -- SHA-256 of the certificate DER, hex
    clerk_id         TEXT NOT NULL,
    signed_grant     TEXT NOT NULL,        -- the server's SignedGrant, JSON
    cert_der         BLOB NOT NULL,
    expires_at       INTEGER NOT NULL,     -- unix ms
    stored_at        INTEGER NOT NULL
) STRICT;
