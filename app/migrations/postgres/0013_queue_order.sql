-- The queue's default order (breaches first: tickets with a next breach, soonest first, then the
-- rest), as `store/lists.rs` writes it: its first page is read from this index instead of sorting
-- every active ticket.
CREATE INDEX tickets_by_breach_order ON tickets ((CASE WHEN next_breach_at IS NULL THEN 1 ELSE 0 END), next_breach_at);
