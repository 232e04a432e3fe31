-- Tracking progress: what the managers' dashboard and the queue's drill-down filters ask, kept
-- where indexed queries can answer it rather than by replaying logs.

-- Projections of the log (`domain::Ticket`): when the ticket reached its ladder level, its first
-- public reply, and when it was resolved (NULL while it is worked).
ALTER TABLE tickets ADD COLUMN level_since INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN first_replied_at INTEGER;
ALTER TABLE tickets ADD COLUMN resolved_at INTEGER;
-- Tickets of before: the last move between levels, the first reply, and for a done ticket its
-- last resolution (the change to resolved; else, closed without one, the last change of status).
UPDATE tickets SET
    level_since = COALESCE(
        (SELECT MAX(e.at) FROM ticket_events e
         WHERE e.ticket_id = tickets.id AND e.kind IN ('escalated', 'deescalated')),
        created_at),
    first_replied_at =
        (SELECT MIN(e.at) FROM ticket_events e WHERE e.ticket_id = tickets.id AND e.kind = 'public_reply'),
    resolved_at = CASE WHEN status IN ('resolved', 'closed') THEN COALESCE(
        (SELECT MAX(e.at) FROM ticket_events e
         WHERE e.ticket_id = tickets.id AND e.kind = 'status_changed' AND e.data LIKE '%"to":"resolved"%'),
        (SELECT MAX(e.at) FROM ticket_events e WHERE e.ticket_id = tickets.id AND e.kind = 'status_changed'))
    END;
-- When the ticket stalls (or stalled) in the tier holding it, as the escalation engine last
-- decided (\`domain::escalation::Decision::stalled_from\`); NULL when it cannot stall.
ALTER TABLE tickets ADD COLUMN stalled_from INTEGER;
CREATE INDEX tickets_by_stalled ON tickets (stalled_from);
CREATE INDEX tickets_by_created ON tickets (created_at);
CREATE INDEX tickets_by_resolved ON tickets (resolved_at);
CREATE INDEX tickets_by_holder ON tickets (status, tier_id, escalation_level);
-- "Escalated this week", "checkpoints missed today": events of a kind in a period.
CREATE INDEX ticket_events_by_kind ON ticket_events (kind, at);
-- Breaches per day and clock.
CREATE INDEX fired_thresholds_by_threshold ON fired_thresholds (threshold, due_at);

-- Where each open clock of an open ticket stands (`domain::tracking::ClockStanding`), as the
-- escalation engine last decided: at risk from `at_risk_from`, overdue from `breached_from`
-- (NULL: not while the clock stands still). Every change makes the engine decide again, so
-- comparing these instants with the time of asking gives what the ticket's clocks say then.
CREATE TABLE clock_standing (
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    clock TEXT NOT NULL,
    at_risk_from INTEGER,
    breached_from INTEGER,
    PRIMARY KEY (ticket_id, clock)
);
CREATE INDEX clock_standing_by_at_risk ON clock_standing (at_risk_from);
CREATE INDEX clock_standing_by_breached ON clock_standing (breached_from);

-- Huddles held: who marked a tier's stand-up held (tier_id NULL: every tier's), so the next one
-- shows what is new or changed since.
CREATE TABLE huddles (
    id INTEGER PRIMARY KEY,
    tier_id INTEGER REFERENCES tiers (id),
    held_by INTEGER NOT NULL REFERENCES users (id),
    held_at INTEGER NOT NULL
);
CREATE INDEX huddles_by_tier ON huddles (tier_id, held_at);

-- Open tickets are due now, so the engine fills in their standing.
INSERT INTO ticket_schedule (ticket_id, due_at)
SELECT id, updated_at FROM tickets WHERE status NOT IN ('resolved', 'closed')
ON CONFLICT (ticket_id) DO UPDATE SET due_at = excluded.due_at;
