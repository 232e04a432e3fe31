-- "Forgot password" links. Like sessions, only a SHA-256 of the link's random token is kept, so a
-- copy of the database cannot reset anyone's password. A link works once (its row is deleted
-- when used, with every other link of the person) and until `expires_at`.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX password_resets_by_user ON password_resets (user_id);
