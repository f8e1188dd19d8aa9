-- The material flow (物料流转, F3, issue 18): packages of paper materials a window sends to a
-- department, and the receiving end's sign-off per case. A case's sign-off reaches the window
-- that holds the case through its case feed (`case_events.flow`: the package's number; the
-- event's progress is then the case's, unchanged).

CREATE TABLE IF NOT EXISTS material_flows (
    no TEXT PRIMARY KEY,
    hall_code TEXT NOT NULL,
    workstation TEXT NOT NULL,
    department TEXT NOT NULL,
    clerk_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    stored_at BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS material_flow_cases (
    flow_no TEXT NOT NULL,
    case_id TEXT NOT NULL,
    case_no TEXT NOT NULL,
    -- [{name, form, pages}]: material names, never citizen data.
    materials TEXT NOT NULL,
    received_at BIGINT,
    received_by TEXT,
    received_workstation TEXT,
    PRIMARY KEY (flow_no, case_id)
);
CREATE INDEX IF NOT EXISTS material_flow_cases_case ON material_flow_cases (case_id);

ALTER TABLE case_events ADD COLUMN flow TEXT;
