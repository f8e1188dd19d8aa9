-- Forwarding taken-in cases to the upstream (provincial) platform (issue 18): an outbox filled
-- in the push's transaction, one row per case event (the case taken in — 受理 or 容缺受理 —,
-- a taken-in case withdrawn, 撤回, its result handed over, 送达), sent by a background worker
-- of any server instance.
-- No citizen data here: the body is built at send time from the case tables.

CREATE TABLE IF NOT EXISTS upstream_outbox (
    -- Also the `Idempotency-Key` of every attempt (the upstream drops a repeat).
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    -- accepted, withdrawn, picked_up
    event TEXT NOT NULL,
    -- When the event happened (the desk's decision, or the withdrawal's arrival), Unix ms.
    occurred_at BIGINT NOT NULL,
    -- pending, sent, dead
    state TEXT NOT NULL,
    -- Attempts begun (counted when claimed, so a crash mid-send counts too).
    attempts BIGINT NOT NULL,
    -- Not before this time (backoff), Unix ms.
    next_at BIGINT NOT NULL,
    -- A claim: the instance sending it and until when; another instance may take the row
    -- once the lease has run out (a sender that died).
    claimed_by TEXT,
    lease_until BIGINT,
    -- The last failure: a code (upstream_timeout, upstream_refused, …) and a short text
    -- (HTTP status, transport error kind; never a body).
    last_code TEXT,
    last_error TEXT,
    -- HTTP status of the last answer.
    last_status BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    sent_at BIGINT,
    -- The sender (one start of one instance) that delivered it.
    sent_by TEXT,
    UNIQUE (case_id, event)
);
-- The worker's claim: due pending rows, oldest first.
CREATE INDEX IF NOT EXISTS upstream_outbox_due ON upstream_outbox (state, next_at);
