-- Full-text search over what a ticket says, with SQLite's FTS5: `public_text` holds its subject,
-- description and public messages (what its customers may search), `internal_text` its internal
-- notes (what staff search besides). The row id is the ticket's id; the store appends to a row as
-- messages arrive. Accents are folded, so "Muller" finds "Müller".
CREATE VIRTUAL TABLE ticket_search USING fts5 (
    public_text,
    internal_text,
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO ticket_search (rowid, public_text, internal_text)
SELECT t.id,
       t.subject || char(10) || t.description || COALESCE(
           (SELECT char(10) || group_concat(json_extract(e.data, '$.body'), char(10))
            FROM ticket_events e
            WHERE e.ticket_id = t.id AND e.kind IN ('customer_message', 'public_reply')),
           ''),
       COALESCE(
           (SELECT group_concat(json_extract(e.data, '$.body'), char(10))
            FROM ticket_events e
            WHERE e.ticket_id = t.id AND e.kind = 'internal_note'),
           '')
FROM tickets t;
