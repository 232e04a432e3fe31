-- Indexes the dashboard's figures read alone, without the rows (BENCHMARKS.md, a million tickets).

-- The period's first-response times: the first replies in the period, with the opening instant.
CREATE INDEX tickets_by_first_reply ON tickets (first_replied_at, created_at);

-- Clocks at risk and overdue now, of any kind or of one: the instants and the ticket in the index.
DROP INDEX clock_standing_by_at_risk;
DROP INDEX clock_standing_by_breached;
CREATE INDEX clock_standing_by_at_risk ON clock_standing (at_risk_from, breached_from, ticket_id);
CREATE INDEX clock_standing_by_breached ON clock_standing (breached_from, ticket_id);
CREATE INDEX clock_standing_by_clock_at_risk ON clock_standing (clock, at_risk_from, breached_from, ticket_id);
CREATE INDEX clock_standing_by_clock_breached ON clock_standing (clock, breached_from, ticket_id);

-- Escalations in a period. Routing records every ticket's first placement as an escalation from
-- no tier, so escalations from a tier are a small part of the `escalated` events; these partial
-- indexes hold only them, and the ones made by hand. Their conditions are those `store::lists`
-- writes for the "escalated" happenings (`events_of`), word for word, which is how the planner
-- knows it may use them.
CREATE INDEX ticket_events_escalations ON ticket_events (kind, at, ticket_id, actor_id)
WHERE kind = 'escalated' AND data NOT LIKE '{"kind":"escalated","from":{"tier_id":null%';
CREATE INDEX ticket_events_escalations_by_hand ON ticket_events (kind, at, ticket_id)
WHERE kind = 'escalated' AND actor_id IS NOT NULL;
