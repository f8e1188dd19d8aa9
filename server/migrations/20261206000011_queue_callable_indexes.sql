-- Indexes matching what a desk's call and the waiting counts read (issue 17, calls per
-- second): partial on the waiting tickets, so a call finds its next ticket in index order
-- instead of sorting every waiting ticket of the hall, and the counts read the index only.

-- Untargeted waiting tickets in issue order (the normal waiting list).
CREATE INDEX IF NOT EXISTS queue_tickets_callable
    ON queue_tickets (hall_code, day, issued_at, id)
    WHERE status = 'waiting' AND target_window IS NULL;

-- The same by priority (green channel, appointments within their slot).
CREATE INDEX IF NOT EXISTS queue_tickets_callable_priority
    ON queue_tickets (hall_code, day, priority, issued_at, id)
    WHERE status = 'waiting' AND target_window IS NULL;

-- Tickets transferred to a window.
CREATE INDEX IF NOT EXISTS queue_tickets_targeted
    ON queue_tickets (hall_code, target_window)
    WHERE status = 'waiting' AND target_window IS NOT NULL;

-- Waiting counts per item group.
CREATE INDEX IF NOT EXISTS queue_tickets_waiting_count
    ON queue_tickets (hall_code, day, group_code)
    WHERE status = 'waiting';

-- Waiting tickets per hall, day and item group, kept by the queue changes that move a ticket
-- into or out of the waiting list (issue, call, transfer), under the hall's lock: the counts
-- every event carries are read here instead of counting the waiting list under that lock.
CREATE TABLE IF NOT EXISTS queue_waiting (
    hall_code TEXT NOT NULL,
    day BIGINT NOT NULL,
    group_code TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (hall_code, day, group_code)
);
INSERT INTO queue_waiting (hall_code, day, group_code, n)
    SELECT hall_code, day, group_code, COUNT(*) FROM queue_tickets
    WHERE status = 'waiting' GROUP BY hall_code, day, group_code;
