-- Sync (issue 6). The outbox (0001) holds what waits for the server; these tables hold what
-- became of it, the material files (blobs) and their upload queue, and the pulled documents.

-- Records the server refused (4xx): moved out of the outbox so they never block the rest,
-- shown to the clerk with the reason. A newer version written by intake goes into the outbox
-- again and is retried.
CREATE TABLE sync_parked (
    id          TEXT NOT NULL,
    version     INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    code        TEXT NOT NULL,
    reason      TEXT NOT NULL,             -- Chinese, for the clerk
    parked_at   INTEGER NOT NULL,
    PRIMARY KEY (id, version)
) STRICT;

-- The newest acknowledged version of each record: written in the transaction that deletes
-- the acknowledged outbox row.
CREATE TABLE sync_acked (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    acked_at    INTEGER NOT NULL
) STRICT;

-- Last success, last error and friends, so the status survives a restart.
CREATE TABLE sync_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Material files, content-addressed (SHA-256 of the plain content), encrypted on disk.
CREATE TABLE blobs (
    sha256      TEXT PRIMARY KEY,
    size        INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    uploaded_at INTEGER
) STRICT;

-- Blobs waiting for upload. The server knows how much it holds, so no offset is kept here.
CREATE TABLE blob_outbox (
    sha256        TEXT PRIMARY KEY,
    size          INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    parked_reason TEXT                     -- set when the file cannot be uploaded as is
) STRICT;
CREATE INDEX blob_outbox_created ON blob_outbox(created_at);

-- The pulled catalog (also created by the intake migration; same shape).
CREATE TABLE IF NOT EXISTS catalog_cache (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    etag       TEXT,
    version    TEXT NOT NULL,
    json       TEXT NOT NULL,
    fetched_at INTEGER NOT NULL
);

-- Other pulled documents: 'clerks', 'config'.
CREATE TABLE pull_cache (
    resource   TEXT PRIMARY KEY,
    etag       TEXT,
    version    TEXT NOT NULL,
    json       TEXT NOT NULL,
    fetched_at INTEGER NOT NULL
) STRICT;
