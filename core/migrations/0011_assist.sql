-- 部门协查 (L4): a request made at this window waits here, with its audit entry written in the
-- same transaction, until the hall server holds it (sent again after a failure: the server
-- takes the same id and body once). The payload is the request exactly as it is sent, card-read
-- proof included; the row goes when the server has answered 200/201. A refused request stays
-- with the server's code and message for the clerk and is not sent again.
CREATE TABLE assist_outbox (
    id           TEXT PRIMARY KEY,
    clerk_id     TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    refused_code TEXT,
    last_error   TEXT
) STRICT;
CREATE INDEX assist_outbox_created ON assist_outbox(created_at);
