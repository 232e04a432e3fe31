-- Satisfaction surveys offered to requesters at resolution (`domain::survey`). A survey's link
-- is `id.nonce.signature`, signed with the server's link key, which is not in the database: the
-- database alone cannot make a working link, and the server keeps no plain token. A link works
-- until `expires_at`, once (`answered_at`), and not after the ticket is reopened (`withdrawn_at`).
CREATE TABLE surveys (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    requester_id INTEGER NOT NULL REFERENCES users (id),
    -- The status change that resolved the ticket and offered the survey.
    resolved_event_id INTEGER NOT NULL UNIQUE REFERENCES ticket_events (id),
    nonce TEXT NOT NULL,
    offered_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    remind_at INTEGER,
    reminded_at INTEGER,
    withdrawn_at INTEGER,
    answered_at INTEGER,
    csat INTEGER,
    effort INTEGER,
    comment TEXT
);
CREATE INDEX surveys_by_ticket ON surveys (ticket_id);
CREATE INDEX surveys_by_requester ON surveys (requester_id, offered_at);
CREATE INDEX surveys_by_answer ON surveys (answered_at);
CREATE INDEX surveys_to_remind ON surveys (remind_at)
    WHERE reminded_at IS NULL AND answered_at IS NULL AND withdrawn_at IS NULL;

-- One review a low score: leads and managers discuss it and agree an action.
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    survey_id INTEGER NOT NULL UNIQUE REFERENCES surveys (id),
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    status TEXT NOT NULL,
    owner_id INTEGER REFERENCES users (id),
    notes TEXT NOT NULL,
    action TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by INTEGER REFERENCES users (id)
);
CREATE INDEX reviews_by_status ON reviews (status, created_at);
