-- Notifications: the outbox rows (ticket events and the engine's intents) are expanded by the
-- policy's rules into deliveries, one per recipient and channel, which a delivery worker sends.

-- One message to one destination through one channel. `idempotency_key` is derived from the
-- outbox row, the channel and the destination, so expanding the same outbox row twice cannot
-- create a second delivery, and a repeat send carries the key of the first (the e-mail's
-- Message-ID, the webhook's Tierline-Delivery header).
-- status: pending → sent | failed | suppressed. A worker claims a pending delivery by setting
-- `lease_until`; a worker that dies mid-send leaves the lease to expire, and the delivery is
-- tried again with the same key.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL REFERENCES outbox (id),
    ticket_id INTEGER REFERENCES tickets (id),
    kind TEXT NOT NULL,
    level INTEGER NOT NULL,
    channel TEXT NOT NULL,
    destination TEXT NOT NULL,
    user_id INTEGER REFERENCES users (id),
    urgent INTEGER NOT NULL,
    digest INTEGER NOT NULL,
    notice TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER,
    last_error TEXT,
    sent_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_by_ticket ON deliveries (ticket_id, status);

-- The in-app notification centre.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    ticket_id INTEGER REFERENCES tickets (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    delivery_id INTEGER NOT NULL UNIQUE REFERENCES deliveries (id),
    created_at INTEGER NOT NULL,
    read_at INTEGER
);
CREATE INDEX notifications_by_user ON notifications (user_id, id);

-- People following a ticket without holding it.
CREATE TABLE ticket_watchers (
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (ticket_id, user_id)
);

-- Noise control per person: gather non-urgent e-mail into one message per this many minutes.
ALTER TABLE users ADD COLUMN digest_minutes INTEGER;

-- The ladder level whose escalation someone acknowledged (projection of the log).
ALTER TABLE tickets ADD COLUMN acknowledged_level INTEGER;
