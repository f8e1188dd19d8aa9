-- The material flow (物料流转, F3, issue 18): the paper materials of decided cases leave the
-- window for the department in a numbered package with its slip (物料流转单, QR); the
-- receiving end signs them off by scanning it. A package made here keeps its cases and what
-- each sends; a case knows its package and whether its materials were signed for (the
-- sign-off comes back through the case feed when it was made at another workstation).
CREATE TABLE material_flows (
    no          TEXT PRIMARY KEY,              -- WL + hall code + yyyymmdd + window + seq
    department  TEXT NOT NULL,
    clerk_id    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    print_count INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX material_flows_created ON material_flows(created_at);

CREATE TABLE material_flow_cases (
    flow_no     TEXT NOT NULL REFERENCES material_flows(no),
    case_id     TEXT NOT NULL,
    materials   TEXT NOT NULL,                 -- JSON [{name, form, pages}]
    received_at INTEGER,
    received_by TEXT,
    PRIMARY KEY (flow_no, case_id)
) STRICT;

-- Next package sequence number per day.
CREATE TABLE flow_seq (
    day   TEXT PRIMARY KEY,
    next  INTEGER NOT NULL
) STRICT;

ALTER TABLE cases ADD COLUMN flow_no TEXT;
ALTER TABLE cases ADD COLUMN flow_state TEXT;  -- sent / received
ALTER TABLE cases ADD COLUMN flow_at INTEGER;
