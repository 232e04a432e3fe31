-- The ladder level of the escalation policy a ticket is at (1 on arrival). Kept on the
-- projection so the engine and the queue can filter and sort by it without replaying logs.
ALTER TABLE tickets ADD COLUMN escalation_level INTEGER NOT NULL DEFAULT 1;
