-- A reopened (or unmerged) incident starts a new episode: its time targets run from the reopening and
-- from its next dispatch, and it may be escalated again. The first_* stamps keep the first episode.
ALTER TABLE incidents ADD COLUMN reopened_at timestamptz;
ALTER TABLE incidents ADD COLUMN redispatched_at timestamptz;
