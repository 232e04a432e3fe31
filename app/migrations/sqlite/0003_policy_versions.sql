-- Escalation policies as versioned documents. Every saved version is kept with its author, time
-- and comment, so any version can be read, compared and exported later; the newest is the one
-- in force. The source is the TOML the author wrote, so a version reads back exactly as saved.
CREATE TABLE policy_versions (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL UNIQUE,
    source TEXT NOT NULL,
    author_id INTEGER NOT NULL REFERENCES users (id),
    comment TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
