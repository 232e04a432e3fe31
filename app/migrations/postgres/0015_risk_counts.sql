-- The dashboard counts every clock at risk or overdue now in one pass (`Store::risk_counts`):
-- the clocks whose `at_risk_from` has come, each with its kind, its overdue instant and its
-- ticket, read from this index alone.
DROP INDEX clock_standing_by_at_risk;
CREATE INDEX clock_standing_by_at_risk ON clock_standing (at_risk_from, breached_from, clock, ticket_id);

-- A clock is at risk from no later than it is overdue (`domain::tracking::standing`); standings
-- written before that rule get it here, until the engine next decides their tickets.
UPDATE clock_standing SET at_risk_from = breached_from
WHERE breached_from IS NOT NULL AND (at_risk_from IS NULL OR at_risk_from > breached_from);
