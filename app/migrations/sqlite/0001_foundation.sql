-- Tierline's foundation schema (SQLite).
-- Instants are INTEGER milliseconds since the Unix epoch, UTC, and flags are INTEGER 0/1: the
-- store speaks to SQLite and PostgreSQL through sqlx's Any driver, which carries only integers,
-- floats, text and bytes. The PostgreSQL migration mirrors this file type for type.

-- The customers' companies. Their plan (standard, premium, enterprise, ...) selects SLA targets.
CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    plan TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- Business calendars, kept as the TOML an admin wrote so that it can be edited and versioned.
CREATE TABLE calendars (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Everyone who signs in: customers (with an organisation) and staff (with a working calendar).
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    organisation_id INTEGER REFERENCES organisations (id),
    calendar_id INTEGER REFERENCES calendars (id),
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);

-- Sign-in sessions. Only a SHA-256 of the cookie's token is kept, so a copy of the database
-- cannot be used to sign in.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Support lines, ordered by rank (L1 = 1). The handbook is shown when a ticket arrives there.
CREATE TABLE tiers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    rank INTEGER NOT NULL UNIQUE,
    lead_id INTEGER REFERENCES users (id),
    handbook TEXT NOT NULL DEFAULT ''
);

-- Teams inside a tier; an expert group is a group with skills. ("groups" is avoided as a name
-- because GROUP is a keyword in both dialects.)
CREATE TABLE agent_groups (
    id INTEGER PRIMARY KEY,
    tier_id INTEGER NOT NULL REFERENCES tiers (id),
    name TEXT NOT NULL UNIQUE,
    lead_id INTEGER REFERENCES users (id)
);

CREATE TABLE group_skills (
    group_id INTEGER NOT NULL REFERENCES agent_groups (id) ON DELETE CASCADE,
    skill TEXT NOT NULL,
    PRIMARY KEY (group_id, skill)
);

CREATE TABLE group_members (
    group_id INTEGER NOT NULL REFERENCES agent_groups (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (group_id, user_id)
);

CREATE TABLE user_skills (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    skill TEXT NOT NULL,
    PRIMARY KEY (user_id, skill)
);

CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    active INTEGER NOT NULL DEFAULT 1
);

-- The projection of each ticket's event log. It is rewritten in the same transaction that
-- appends events; `version` counts field edits for optimistic concurrency, `last_sequence` is
-- the sequence number of the newest event.
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    subject TEXT NOT NULL,
    description TEXT NOT NULL,
    requester_id INTEGER NOT NULL REFERENCES users (id),
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    category_id INTEGER REFERENCES categories (id),
    priority TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    tier_id INTEGER REFERENCES tiers (id),
    group_id INTEGER REFERENCES agent_groups (id),
    assignee_id INTEGER REFERENCES users (id),
    -- Space-separated normalised tags, so a tag filter is a LIKE on ' ' || tags || ' '.
    tags TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL,
    reopen_count INTEGER NOT NULL DEFAULT 0,
    last_sequence INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX tickets_by_organisation ON tickets (organisation_id, updated_at);
CREATE INDEX tickets_by_status ON tickets (status, updated_at);
CREATE INDEX tickets_by_assignee ON tickets (assignee_id, status);

-- The append-only log: the record of truth for every ticket. Rows are never updated or deleted.
CREATE TABLE ticket_events (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    sequence INTEGER NOT NULL,
    kind TEXT NOT NULL,
    visibility TEXT NOT NULL,
    actor_id INTEGER REFERENCES users (id),
    data TEXT NOT NULL,
    -- The ticket's version once this event was applied; a conflict report lists the field
    -- changes with a version_after newer than the version the user saw.
    version_after INTEGER NOT NULL,
    at INTEGER NOT NULL,
    UNIQUE (ticket_id, sequence)
);

-- Work caused by events, written in the same transaction as the events themselves so that
-- nothing acknowledged is lost: notification and live-update delivery consume it.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER REFERENCES tickets (id),
    event_id INTEGER REFERENCES ticket_events (id),
    topic TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    processed_at INTEGER
);
CREATE INDEX outbox_unprocessed ON outbox (processed_at, id);

-- Bearer tokens for the REST API; like sessions, only a hash is stored.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
);
