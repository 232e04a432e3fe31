-- How a ticket's clocks stand, kept on its row (`domain::tracking::ClockAlerts`: two bits per
-- kind of clock, at risk and overdue) by the escalation engine, which decides again at every
-- instant a standing changes. The open tickets' tally counts them too, so the dashboard's risk
-- figures, per kind and per agent, are sums over the tally (`Store::risk_counts`) instead of a
-- pass over every clock at risk and its ticket; the queue's risk filters test the bits.
ALTER TABLE tickets ADD COLUMN clock_alerts BIGINT NOT NULL DEFAULT 0;

-- The standings the engine wrote, read now; from here on the engine writes the bits. The bits are
-- `ClockAlerts::bit`'s: at risk 1, 4, 16, 64 for the kinds in `ClockKind::ALL` order, overdue twice that.
UPDATE tickets SET clock_alerts = standing.bits
FROM (
    SELECT s.ticket_id,
           SUM(CASE s.clock WHEN 'first_response' THEN 1 WHEN 'next_response' THEN 4
                            WHEN 'resolution' THEN 16 WHEN 'tier_budget' THEN 64 ELSE 0 END
               * CASE WHEN s.breached_from <= n.now THEN 2 WHEN s.at_risk_from <= n.now THEN 1 ELSE 0 END) AS bits
    FROM clock_standing s CROSS JOIN (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT AS now) AS n
    GROUP BY s.ticket_id
) AS standing
WHERE tickets.id = standing.ticket_id;
DROP TABLE clock_standing;

-- The queue's risk filters, where the tally cannot answer: the few tickets with an alert.
CREATE INDEX tickets_with_clock_alerts ON tickets (clock_alerts) WHERE clock_alerts <> 0;

-- The tally (migration `open_ticket_tally`) made again with the alerts in its key.
DROP TRIGGER open_ticket_tally_created ON tickets;
DROP TRIGGER open_ticket_tally_leaving ON tickets;
DROP TRIGGER open_ticket_tally_joining ON tickets;
DROP TRIGGER open_ticket_tally_deleted ON tickets;
DROP TRIGGER open_ticket_tally_replanned ON organisations;
DROP FUNCTION open_ticket_tally_join();
DROP FUNCTION open_ticket_tally_leave();
DROP FUNCTION open_ticket_tally_count(BIGINT, BIGINT);
DROP FUNCTION open_ticket_tally_replan();
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
       CASE WHEN t.acknowledged_level = t.escalation_level THEN 1 ELSE 0 END::BIGINT AS acknowledged,
       t.clock_alerts
FROM tickets t
JOIN organisations o ON o.id = t.organisation_id
WHERE t.status NOT IN ('resolved', 'closed');

-- Changes are appended, never updated: a ticket that changes adds -1 under its old key and +1
-- under its new one, so concurrent writers never wait on or deadlock over a shared counter row.
-- A key's count is the sum of its rows; `Store::compact_open_ticket_tally` sums them up now and
-- then.
CREATE TABLE open_ticket_tally (
    status TEXT NOT NULL,
    tier_id BIGINT NOT NULL,
    escalation_level BIGINT NOT NULL,
    group_id BIGINT NOT NULL,
    assignee_id BIGINT NOT NULL,
    plan TEXT NOT NULL,
    category_id BIGINT NOT NULL,
    priority TEXT NOT NULL,
    escalated_by_hand BIGINT NOT NULL,
    acknowledged BIGINT NOT NULL,
    clock_alerts BIGINT NOT NULL,
    tickets BIGINT NOT NULL
);

INSERT INTO open_ticket_tally
SELECT status, tier_id, escalation_level, group_id, assignee_id, plan, category_id, priority,
       escalated_by_hand, acknowledged, clock_alerts, COUNT(*)
FROM open_ticket_keys
GROUP BY status, tier_id, escalation_level, group_id, assignee_id, plan, category_id, priority,
         escalated_by_hand, acknowledged, clock_alerts;

-- Adds `change` under the key ticket `ticket_id` has now (nothing once it is done).
CREATE FUNCTION open_ticket_tally_count(ticket_id BIGINT, change BIGINT) RETURNS void AS $$
    INSERT INTO open_ticket_tally
    SELECT status, tier_id, escalation_level, group_id, assignee_id, plan, category_id, priority,
           escalated_by_hand, acknowledged, clock_alerts, change
    FROM open_ticket_keys WHERE id = ticket_id;
$$ LANGUAGE sql;

-- A ticket leaves its old key before a change of it (read through the view while the row is as
-- it was) and joins its new one after.
CREATE FUNCTION open_ticket_tally_leave() RETURNS trigger AS $$
BEGIN
    PERFORM open_ticket_tally_count(OLD.id, -1);
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION open_ticket_tally_join() RETURNS trigger AS $$
BEGIN
    PERFORM open_ticket_tally_count(NEW.id, 1);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER open_ticket_tally_created AFTER INSERT ON tickets
FOR EACH ROW EXECUTE FUNCTION open_ticket_tally_join();

CREATE TRIGGER open_ticket_tally_leaving BEFORE UPDATE OF
    status, tier_id, escalation_level, group_id, assignee_id, organisation_id, category_id, priority,
    escalated_by_hand, acknowledged_level, clock_alerts ON tickets
FOR EACH ROW
WHEN ((OLD.status, OLD.tier_id, OLD.escalation_level, OLD.group_id, OLD.assignee_id,
       OLD.organisation_id, OLD.category_id, OLD.priority, OLD.escalated_by_hand, OLD.acknowledged_level, OLD.clock_alerts)
  IS DISTINCT FROM (NEW.status, NEW.tier_id, NEW.escalation_level, NEW.group_id, NEW.assignee_id,
       NEW.organisation_id, NEW.category_id, NEW.priority, NEW.escalated_by_hand, NEW.acknowledged_level, NEW.clock_alerts))
EXECUTE FUNCTION open_ticket_tally_leave();

CREATE TRIGGER open_ticket_tally_joining AFTER UPDATE OF
    status, tier_id, escalation_level, group_id, assignee_id, organisation_id, category_id, priority,
    escalated_by_hand, acknowledged_level, clock_alerts ON tickets
FOR EACH ROW
WHEN ((OLD.status, OLD.tier_id, OLD.escalation_level, OLD.group_id, OLD.assignee_id,
       OLD.organisation_id, OLD.category_id, OLD.priority, OLD.escalated_by_hand, OLD.acknowledged_level, OLD.clock_alerts)
  IS DISTINCT FROM (NEW.status, NEW.tier_id, NEW.escalation_level, NEW.group_id, NEW.assignee_id,
       NEW.organisation_id, NEW.category_id, NEW.priority, NEW.escalated_by_hand, NEW.acknowledged_level, NEW.clock_alerts))
EXECUTE FUNCTION open_ticket_tally_join();

CREATE TRIGGER open_ticket_tally_deleted BEFORE DELETE ON tickets
FOR EACH ROW EXECUTE FUNCTION open_ticket_tally_leave();

-- An organisation's new plan moves its open tickets to keys of that plan.
CREATE FUNCTION open_ticket_tally_replan() RETURNS trigger AS $$
BEGIN
    INSERT INTO open_ticket_tally
    SELECT k.status, k.tier_id, k.escalation_level, k.group_id, k.assignee_id, plans.plan,
           k.category_id, k.priority, k.escalated_by_hand, k.acknowledged, k.clock_alerts, plans.change * COUNT(*)
    FROM open_ticket_keys k
    CROSS JOIN (VALUES (OLD.plan, -1), (NEW.plan, 1)) AS plans (plan, change)
    WHERE k.organisation_id = NEW.id
    GROUP BY k.status, k.tier_id, k.escalation_level, k.group_id, k.assignee_id, plans.plan,
             k.category_id, k.priority, k.escalated_by_hand, k.acknowledged, k.clock_alerts, plans.change;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER open_ticket_tally_replanned AFTER UPDATE OF plan ON organisations
FOR EACH ROW WHEN (OLD.plan IS DISTINCT FROM NEW.plan)
EXECUTE FUNCTION open_ticket_tally_replan();
