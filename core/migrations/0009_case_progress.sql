-- The back office's progress of a decided case (issue 18, I2), as the hall server reports it
-- through the workstation's case feed: the latest step, its note and time, and the feed
-- position it came with (an older step never overwrites a newer one). The time-limit light
-- stops at 办结.
ALTER TABLE cases ADD COLUMN progress TEXT;
ALTER TABLE cases ADD COLUMN progress_note TEXT;
ALTER TABLE cases ADD COLUMN progress_at INTEGER;
ALTER TABLE cases ADD COLUMN progress_seq INTEGER NOT NULL DEFAULT 0;
