-- Full-text search over what a ticket says, with PostgreSQL's text search: `public_text` holds
-- its subject, description and public messages (what its customers may search), `internal_text`
-- its internal notes (what staff search besides), as `simple` (unstemmed, lower-cased) lexemes so
-- that both backends find the same words. GIN indexes serve a customer's search and a staff
-- member's; the store appends to a row as messages arrive.
CREATE TABLE ticket_search (
    ticket_id BIGINT PRIMARY KEY REFERENCES tickets (id),
    public_text TSVECTOR NOT NULL,
    internal_text TSVECTOR NOT NULL
);
CREATE INDEX ticket_search_public ON ticket_search USING GIN (public_text);
CREATE INDEX ticket_search_all ON ticket_search USING GIN ((public_text || internal_text));

INSERT INTO ticket_search (ticket_id, public_text, internal_text)
SELECT t.id,
       to_tsvector('simple', t.subject || E'\n' || t.description || COALESCE(
           (SELECT E'\n' || string_agg(e.data::json ->> 'body', E'\n' ORDER BY e.sequence)
            FROM ticket_events e
            WHERE e.ticket_id = t.id AND e.kind IN ('customer_message', 'public_reply')),
           '')),
       to_tsvector('simple', COALESCE(
           (SELECT string_agg(e.data::json ->> 'body', E'\n' ORDER BY e.sequence)
            FROM ticket_events e
            WHERE e.ticket_id = t.id AND e.kind = 'internal_note'),
           ''))
FROM tickets t;
