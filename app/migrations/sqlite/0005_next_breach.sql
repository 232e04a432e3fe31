-- The earliest instant one of the ticket's running clocks breaches, as the engine last computed
-- it: the queue sorts by it ("what breaches first") and counts down to it in the browser.
ALTER TABLE tickets ADD COLUMN next_breach_at INTEGER;
CREATE INDEX tickets_by_next_breach ON tickets (next_breach_at);
