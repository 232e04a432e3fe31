-- The open tickets counted per everything the dashboard's figures of now split or narrow them by,
-- kept by the database as tickets change, so those figures add up a few hundred rows instead of
-- counting 100,000 open tickets each (`store::lists`, `Store::count_matching`).
--
-- What an open ticket is counted under: its key. Absent ids are 0 (ids start at 1), so keys
-- compare with `=`; `acknowledged` is 1 when someone acknowledged the escalation to its level.
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
       CASE WHEN t.acknowledged_level = t.escalation_level THEN 1 ELSE 0 END::BIGINT AS acknowledged
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
    tickets BIGINT NOT NULL
);

INSERT INTO open_ticket_tally
SELECT status, tier_id, escalation_level, group_id, assignee_id, plan, category_id, priority,
       escalated_by_hand, acknowledged, COUNT(*)
FROM open_ticket_keys
GROUP BY status, tier_id, escalation_level, group_id, assignee_id, plan, category_id, priority,
         escalated_by_hand, acknowledged;

-- Adds `change` under the key ticket `ticket_id` has now (nothing once it is done).
CREATE FUNCTION open_ticket_tally_count(ticket_id BIGINT, change BIGINT) RETURNS void AS $$
    INSERT INTO open_ticket_tally
    SELECT status, tier_id, escalation_level, group_id, assignee_id, plan, category_id, priority,
           escalated_by_hand, acknowledged, change
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
    escalated_by_hand, acknowledged_level ON tickets
FOR EACH ROW
WHEN ((OLD.status, OLD.tier_id, OLD.escalation_level, OLD.group_id, OLD.assignee_id,
       OLD.organisation_id, OLD.category_id, OLD.priority, OLD.escalated_by_hand, OLD.acknowledged_level)
  IS DISTINCT FROM (NEW.status, NEW.tier_id, NEW.escalation_level, NEW.group_id, NEW.assignee_id,
       NEW.organisation_id, NEW.category_id, NEW.priority, NEW.escalated_by_hand, NEW.acknowledged_level))
EXECUTE FUNCTION open_ticket_tally_leave();

CREATE TRIGGER open_ticket_tally_joining AFTER UPDATE OF
    status, tier_id, escalation_level, group_id, assignee_id, organisation_id, category_id, priority,
    escalated_by_hand, acknowledged_level ON tickets
FOR EACH ROW
WHEN ((OLD.status, OLD.tier_id, OLD.escalation_level, OLD.group_id, OLD.assignee_id,
       OLD.organisation_id, OLD.category_id, OLD.priority, OLD.escalated_by_hand, OLD.acknowledged_level)
  IS DISTINCT FROM (NEW.status, NEW.tier_id, NEW.escalation_level, NEW.group_id, NEW.assignee_id,
       NEW.organisation_id, NEW.category_id, NEW.priority, NEW.escalated_by_hand, NEW.acknowledged_level))
EXECUTE FUNCTION open_ticket_tally_join();

CREATE TRIGGER open_ticket_tally_deleted BEFORE DELETE ON tickets
FOR EACH ROW EXECUTE FUNCTION open_ticket_tally_leave();

-- An organisation's new plan moves its open tickets to keys of that plan.
CREATE FUNCTION open_ticket_tally_replan() RETURNS trigger AS $$
BEGIN
    INSERT INTO open_ticket_tally
    SELECT k.status, k.tier_id, k.escalation_level, k.group_id, k.assignee_id, plans.plan,
           k.category_id, k.priority, k.escalated_by_hand, k.acknowledged, plans.change * COUNT(*)
    FROM open_ticket_keys k
    CROSS JOIN (VALUES (OLD.plan, -1), (NEW.plan, 1)) AS plans (plan, change)
    WHERE k.organisation_id = NEW.id
    GROUP BY k.status, k.tier_id, k.escalation_level, k.group_id, k.assignee_id, plans.plan,
             k.category_id, k.priority, k.escalated_by_hand, k.acknowledged, plans.change;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER open_ticket_tally_replanned AFTER UPDATE OF plan ON organisations
FOR EACH ROW WHEN (OLD.plan IS DISTINCT FROM NEW.plan)
EXECUTE FUNCTION open_ticket_tally_replan();
