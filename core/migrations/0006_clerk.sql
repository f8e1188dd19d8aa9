-- The clerks who logged in at this workstation, by id: the name the trails show for an audit
-- entry's actor (the audit log keeps the id). Written with each successful login.
CREATE TABLE clerk (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    seen_at  INTEGER NOT NULL              -- unix ms of the latest login
) STRICT;
