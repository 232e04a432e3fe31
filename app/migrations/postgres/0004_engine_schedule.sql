-- The escalation engine's schedule: when each open ticket next needs the engine's attention.
-- Every change to a ticket sets its row to the change's instant, so the engine re-evaluates it
-- at once; the engine then stores the ticket's next due instant (the earliest reminder, breach
-- or checkpoint) or deletes the row when nothing is pending. The index makes "what is due now"
-- a range scan whose cost grows with the number of due tickets, not of open ones.
CREATE TABLE ticket_schedule (
    ticket_id BIGINT PRIMARY KEY REFERENCES tickets (id),
    due_at BIGINT NOT NULL
);
CREATE INDEX ticket_schedule_by_due ON ticket_schedule (due_at);

-- Every threshold that has fired. The primary key makes a (ticket, clock, cycle, threshold)
-- fire once, also when two instances race or after a crash; `late` marks firings done on
-- catching up after downtime, and `overtaken` those recorded without sending because a later
-- threshold of the same cycle had already passed.
CREATE TABLE fired_thresholds (
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    clock TEXT NOT NULL,
    cycle BIGINT NOT NULL,
    threshold TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    fired_at BIGINT NOT NULL,
    late BIGINT NOT NULL,
    overtaken BIGINT NOT NULL,
    PRIMARY KEY (ticket_id, clock, cycle, threshold)
);

-- Tickets that exist before the engine: due now, so the engine evaluates each once.
INSERT INTO ticket_schedule (ticket_id, due_at)
SELECT id, updated_at FROM tickets WHERE status NOT IN ('resolved', 'closed');
