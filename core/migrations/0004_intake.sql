-- Placeholder of the sync branch: the intake branch (issue 5) owns this migration and its
-- version replaces this file on merge. Nothing here, so the numbering of 0005 holds.
SELECT 1;
