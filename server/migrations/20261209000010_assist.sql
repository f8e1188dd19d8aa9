-- 部门协查 (L4, seed 000 §1.3): requests for a proof from another department of the hall, the
-- proof attached, the stamped proof verified against the hall's seal CAs, and every action.
-- The applicant (ID number, names), the proofs asked for, the note and a return reason are
-- sealed (AES-GCM under the hall's key), the applicant also kept as a keyed hash; documents
-- are sealed blobs named by their SHA-256. No citizen data in clear.

CREATE TABLE IF NOT EXISTS assist_requests (
    -- Made by the requesting workstation (UUID): a request queued offline and sent twice is
    -- one request.
    id TEXT PRIMARY KEY,
    -- SHA-256 of the creating request's body: the same id with another body is refused.
    body_sha256 TEXT NOT NULL,
    hall_code TEXT NOT NULL,
    from_department TEXT NOT NULL,
    from_workstation TEXT NOT NULL,
    from_clerk TEXT NOT NULL,
    to_department TEXT NOT NULL,
    item_code TEXT NOT NULL,
    item_name TEXT NOT NULL,
    -- 'person' or 'organisation'.
    applicant_kind TEXT NOT NULL,
    -- HMAC of the applicant's number (ID number or 统一社会信用代码) under the hall's key.
    applicant_index TEXT NOT NULL,
    -- Sealed JSON: the applicant (person, organisation), the proofs asked for, the note.
    content_sealed TEXT NOT NULL,
    -- The card read that allowed the request (entry id and hash of the workstation's chain).
    card_read_entry TEXT NOT NULL,
    card_read_hash TEXT NOT NULL,
    -- 'pending', 'awaiting_seal', 'sealed', 'returned'.
    state TEXT NOT NULL,
    -- Unix ms: made at the workstation, received here, last changed.
    created_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    -- The proof attached by the providing department.
    proof_sha256 TEXT,
    proof_size BIGINT,
    proof_clerk TEXT,
    proof_at BIGINT,
    -- The stamped proof and its verified seal.
    stamped_sha256 TEXT,
    stamped_size BIGINT,
    stamped_clerk TEXT,
    stamped_at BIGINT,
    signer_name TEXT,
    signer_issuer TEXT,
    signer_serial TEXT,
    -- The seal's signingTime, Unix seconds.
    signed_at BIGINT,
    -- 退回: the reason (sealed), who and when.
    return_reason_sealed TEXT,
    returned_clerk TEXT,
    returned_at BIGINT
);
-- The providing department's inbox and the requesting department's list.
CREATE INDEX IF NOT EXISTS assist_requests_inbox ON assist_requests (to_department, received_at);
CREATE INDEX IF NOT EXISTS assist_requests_sent ON assist_requests (from_department, received_at);

-- Every create, list, view, attach, stamp, return and download (A6), refusals included.
CREATE TABLE IF NOT EXISTS assist_log (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    action TEXT NOT NULL,
    request_id TEXT,
    clerk_id TEXT NOT NULL,
    workstation_id TEXT NOT NULL,
    department TEXT NOT NULL,
    outcome TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS assist_log_by_request ON assist_log (request_id, at);
