-- The licence library (issue 20, L1–L3): the hall's stand-in for the provincial 电子证照库.
-- Holders are kept as a keyed hash (HMAC, for lookup) and sealed (AES-GCM) with their names;
-- the licence files are sealed blobs named by their SHA-256. No citizen data in clear.

CREATE TABLE IF NOT EXISTS licences (
    -- GB/T 36904 identifier (check character verified at import).
    identifier TEXT PRIMARY KEY,
    -- 证照类型代码 (from the identifier) and the licence's name (户籍证明, 营业执照, …).
    type_code TEXT NOT NULL,
    type_name TEXT NOT NULL,
    -- 'person' (ID number) or 'organisation' (统一社会信用代码).
    holder_kind TEXT NOT NULL,
    -- HMAC of the holder's number under the hall's index key.
    holder_index TEXT NOT NULL,
    holder_sealed TEXT NOT NULL,
    holder_name_sealed TEXT NOT NULL,
    -- 证照颁发机构代码 (from the identifier) and its name.
    issuer_code TEXT NOT NULL,
    issuer_name TEXT NOT NULL,
    -- YYYY-MM-DD; valid_until NULL: 长期.
    issued_on TEXT NOT NULL,
    valid_until TEXT,
    revoked_at BIGINT,
    revoked_reason TEXT,
    file_sha256 TEXT NOT NULL,
    file_size BIGINT NOT NULL,
    -- 'pdf' or 'ofd'.
    file_format TEXT NOT NULL,
    -- The issuer's detached signature as imported (base64), when there is one; a PDF's own
    -- signature is inside the file.
    signature TEXT,
    -- 'unchecked' until a verifier of the issuer's signature has looked at it; then
    -- 'verified' or 'invalid'.
    signature_check TEXT NOT NULL,
    imported_at BIGINT NOT NULL
);
-- The lookup: one holder's licences of the item's types.
CREATE INDEX IF NOT EXISTS licences_by_holder ON licences (holder_index, type_code);

-- Which departments may see a licence type; a type without rows is open to every department.
CREATE TABLE IF NOT EXISTS licence_type_grants (
    type_code TEXT NOT NULL,
    department TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (type_code, department)
);

-- 反馈: wrong data reported by a clerk, kept for the issuing department.
CREATE TABLE IF NOT EXISTS licence_feedback (
    id TEXT PRIMARY KEY,
    identifier TEXT,
    type_code TEXT NOT NULL,
    issuer_code TEXT,
    category TEXT NOT NULL,
    -- The clerk's words (may name the citizen): sealed.
    comment_sealed TEXT NOT NULL,
    clerk_id TEXT NOT NULL,
    workstation_id TEXT NOT NULL,
    item TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS licence_feedback_by_time ON licence_feedback (created_at);

-- Every lookup, preview, download and feedback (A6): who, where, for which item and purpose,
-- about whom (keyed hash only), and the card read that allowed it.
CREATE TABLE IF NOT EXISTS licence_access_log (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    action TEXT NOT NULL,
    clerk_id TEXT NOT NULL,
    workstation_id TEXT NOT NULL,
    item TEXT NOT NULL,
    purpose TEXT NOT NULL,
    holder_index TEXT,
    type_codes TEXT NOT NULL,
    identifier TEXT,
    outcome TEXT NOT NULL,
    card_read_entry TEXT,
    card_read_hash TEXT
);
CREATE INDEX IF NOT EXISTS licence_access_log_by_time ON licence_access_log (at);
