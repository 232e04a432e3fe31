-- Which tier held each ticket while it was worked, and from when until when: the dashboard's
-- "open tickets per tier" on each day of a period, and the queue's drill-down to them. A hold
-- starts when a ticket opens, moves to another tier or reopens, and ends (`until_at`) when it
-- moves on or is resolved or closed; `until_at` is NULL while it lasts, `tier_id` NULL while no
-- tier holds the ticket. The store writes them with the projection; it fills this table from
-- the tickets' logs once, when it finds it empty beside tickets (`store::holds::backfill`).
CREATE TABLE ticket_holds (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    tier_id INTEGER REFERENCES tiers (id),
    from_at INTEGER NOT NULL,
    until_at INTEGER
);
CREATE INDEX ticket_holds_by_ticket ON ticket_holds (ticket_id, until_at);
-- With the tier, so counting per tier reads the indexes alone.
CREATE INDEX ticket_holds_by_start ON ticket_holds (from_at, tier_id);
CREATE INDEX ticket_holds_by_end ON ticket_holds (until_at, tier_id);
