-- How a ticket's clocks stand, kept on its row (`domain::tracking::ClockAlerts`: two bits per
-- kind of clock, at risk and overdue) by the escalation engine, which decides again at every
-- instant a standing changes. The open tickets' tally counts them too, so the dashboard's risk
-- figures, per kind and per agent, are sums over the tally (`Store::risk_counts`) instead of a
-- pass over every clock at risk and its ticket; the queue's risk filters test the bits.
ALTER TABLE tickets ADD COLUMN clock_alerts INTEGER NOT NULL DEFAULT 0;

-- The standings the engine wrote, read now; from here on the engine writes the bits. The bits are
-- `ClockAlerts::bit`'s: at risk 1, 4, 16, 64 for the kinds in `ClockKind::ALL` order, overdue twice that.
UPDATE tickets SET clock_alerts = standing.bits
FROM (
    SELECT s.ticket_id,
           SUM(CASE s.clock WHEN 'first_response' THEN 1 WHEN 'next_response' THEN 4
                            WHEN 'resolution' THEN 16 WHEN 'tier_budget' THEN 64 ELSE 0 END
               * CASE WHEN s.breached_from <= n.now THEN 2 WHEN s.at_risk_from <= n.now THEN 1 ELSE 0 END) AS bits
    FROM clock_standing s CROSS JOIN (SELECT CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) AS now) AS n
    GROUP BY s.ticket_id
) AS standing
WHERE tickets.id = standing.ticket_id;
DROP TABLE clock_standing;

-- The queue's risk filters, where the tally cannot answer: the few tickets with an alert.
CREATE INDEX tickets_with_clock_alerts ON tickets (clock_alerts) WHERE clock_alerts <> 0;

-- The tally (migration `open_ticket_tally`) made again with the alerts in its key.
DROP TRIGGER open_ticket_tally_created;
DROP TRIGGER open_ticket_tally_leaving;
DROP TRIGGER open_ticket_tally_joining;
DROP TRIGGER open_ticket_tally_deleted;
DROP TRIGGER open_ticket_tally_replanned;
DROP VIEW open_ticket_keys;
DROP TABLE open_ticket_tally;

CREATE VIEW open_ticket_keys AS
SELECT t.id,
       t.organisation_id,
       t.status,
       COALESCE(t.tier_id, 0) AS tier_id,
       t.escalation_level,
       COALESCE(t.group_id, 0) AS group_id,
       COALESCE(t.assignee_id, 0) AS assignee_id,
       o.plan,
       COALESCE(t.category_id, 0) AS category_id,
       t.priority,
       t.escalated_by_hand,
       CASE WHEN t.acknowledged_level = t.escalation_level THEN 1 ELSE 0 END AS acknowledged,
       t.clock_alerts
FROM tickets t
JOIN organisations o ON o.id = t.organisation_id
WHERE t.status NOT IN ('resolved', 'closed');

-- Changes are appended, never updated: a ticket that changes adds -1 under its old key and +1
-- under its new one, so concurrent writers (PostgreSQL) never wait on or deadlock over a shared
-- counter row. A key's count is the sum of its rows; `Store::compact_open_ticket_tally` sums
-- them up now and then.
CREATE TABLE open_ticket_tally (
    status TEXT NOT NULL,
    tier_id INTEGER NOT NULL,
    escalation_level INTEGER NOT NULL,
    group_id INTEGER NOT NULL,
    assignee_id INTEGER NOT NULL,
    plan TEXT NOT NULL,
    category_id INTEGER NOT NULL,
    priority TEXT NOT NULL,
    escalated_by_hand INTEGER NOT NULL,
    acknowledged INTEGER NOT NULL,
    clock_alerts INTEGER NOT NULL,
    tickets INTEGER NOT NULL
);

INSERT INTO open_ticket_tally
SELECT status, tier_id, escalation_level, group_id, assignee_id, plan, category_id, priority,
       escalated_by_hand, acknowledged, clock_alerts, COUNT(*)
FROM open_ticket_keys
GROUP BY status, tier_id, escalation_level, group_id, assignee_id, plan, category_id, priority,
         escalated_by_hand, acknowledged, clock_alerts;

-- A ticket leaves its old key before a change of it (read through the view while the row is as
-- it was) and joins its new one after.
CREATE TRIGGER open_ticket_tally_created AFTER INSERT ON tickets
BEGIN
    INSERT INTO open_ticket_tally
    SELECT status, tier_id, escalation_level, group_id, assignee_id, plan, category_id, priority,
           escalated_by_hand, acknowledged, clock_alerts, 1
    FROM open_ticket_keys WHERE id = NEW.id;
END;

CREATE TRIGGER open_ticket_tally_leaving BEFORE UPDATE OF
    status, tier_id, escalation_level, group_id, assignee_id, organisation_id, category_id, priority,
    escalated_by_hand, acknowledged_level, clock_alerts ON tickets
WHEN (OLD.status, OLD.tier_id, OLD.escalation_level, OLD.group_id, OLD.assignee_id,
      OLD.organisation_id, OLD.category_id, OLD.priority, OLD.escalated_by_hand, OLD.acknowledged_level, OLD.clock_alerts)
  IS NOT (NEW.status, NEW.tier_id, NEW.escalation_level, NEW.group_id, NEW.assignee_id,
      NEW.organisation_id, NEW.category_id, NEW.priority, NEW.escalated_by_hand, NEW.acknowledged_level, NEW.clock_alerts)
BEGIN
    INSERT INTO open_ticket_tally
    SELECT status, tier_id, escalation_level, group_id, assignee_id, plan, category_id, priority,
           escalated_by_hand, acknowledged, clock_alerts, -1
    FROM open_ticket_keys WHERE id = OLD.id;
END;

CREATE TRIGGER open_ticket_tally_joining AFTER UPDATE OF
    status, tier_id, escalation_level, group_id, assignee_id, organisation_id, category_id, priority,
    escalated_by_hand, acknowledged_level, clock_alerts ON tickets
WHEN (OLD.status, OLD.tier_id, OLD.escalation_level, OLD.group_id, OLD.assignee_id,
      OLD.organisation_id, OLD.category_id, OLD.priority, OLD.escalated_by_hand, OLD.acknowledged_level, OLD.clock_alerts)
  IS NOT (NEW.status, NEW.tier_id, NEW.escalation_level, NEW.group_id, NEW.assignee_id,
      NEW.organisation_id, NEW.category_id, NEW.priority, NEW.escalated_by_hand, NEW.acknowledged_level, NEW.clock_alerts)
BEGIN
    INSERT INTO open_ticket_tally
    SELECT status, tier_id, escalation_level, group_id, assignee_id, plan, category_id, priority,
           escalated_by_hand, acknowledged, clock_alerts, 1
    FROM open_ticket_keys WHERE id = NEW.id;
END;

CREATE TRIGGER open_ticket_tally_deleted BEFORE DELETE ON tickets
BEGIN
    INSERT INTO open_ticket_tally
    SELECT status, tier_id, escalation_level, group_id, assignee_id, plan, category_id, priority,
           escalated_by_hand, acknowledged, clock_alerts, -1
    FROM open_ticket_keys WHERE id = OLD.id;
END;

-- An organisation's new plan moves its open tickets to keys of that plan.
CREATE TRIGGER open_ticket_tally_replanned AFTER UPDATE OF plan ON organisations
WHEN OLD.plan IS NOT NEW.plan
BEGIN
    INSERT INTO open_ticket_tally
    SELECT k.status, k.tier_id, k.escalation_level, k.group_id, k.assignee_id, plans.plan,
           k.category_id, k.priority, k.escalated_by_hand, k.acknowledged, k.clock_alerts, plans.change * COUNT(*)
    FROM open_ticket_keys k
    JOIN (SELECT OLD.plan AS plan, -1 AS change UNION ALL SELECT NEW.plan, 1) AS plans
    WHERE k.organisation_id = NEW.id
    GROUP BY k.status, k.tier_id, k.escalation_level, k.group_id, k.assignee_id, plans.plan,
             k.category_id, k.priority, k.escalated_by_hand, k.acknowledged, k.clock_alerts, plans.change;
END;
