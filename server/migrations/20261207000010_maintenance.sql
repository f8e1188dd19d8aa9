-- Keeping the workstations running (issue 19): signed releases they update from, and the
-- diagnostics bundles they send to IT. The files themselves are blobs (local or S3) named by
-- their SHA-256; no citizen data in these rows.

CREATE TABLE IF NOT EXISTS releases (
    -- windows-x86_64, linux-x86_64-deb, …
    target TEXT NOT NULL,
    -- Semantic version as published (compared as a semantic version by the server).
    version TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    -- The minisign signature text; its trusted comment names target and version.
    signature TEXT NOT NULL,
    notes TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    -- Set when IT withdraws it: no longer offered or served.
    withdrawn_at BIGINT,
    PRIMARY KEY (target, version)
);

CREATE TABLE IF NOT EXISTS diagnostic_bundles (
    id TEXT PRIMARY KEY,
    -- From the request's signature, never from the body.
    workstation_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    UNIQUE (workstation_id, sha256)
);
CREATE INDEX IF NOT EXISTS diagnostic_bundles_by_time ON diagnostic_bundles (received_at);
