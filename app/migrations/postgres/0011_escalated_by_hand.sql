-- Whether someone escalated the ticket by hand at some point (an `escalated` event with an
-- actor): the dashboard's "open escalations" reads this flag instead of searching the log. The
-- store sets it when it writes such an event.
ALTER TABLE tickets ADD COLUMN escalated_by_hand BIGINT NOT NULL DEFAULT 0;

UPDATE tickets SET escalated_by_hand = 1
WHERE id IN (SELECT ticket_id FROM ticket_events WHERE kind = 'escalated' AND actor_id IS NOT NULL);
