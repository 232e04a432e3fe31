-- The keys of `sessions` and `password_resets` become NOT NULL, as on PostgreSQL. SQLite, unlike
-- the SQL standard and PostgreSQL, lets a PRIMARY KEY column other than an INTEGER row id hold
-- NULL unless it says NOT NULL, and 0001 and 0007 did not say it; the schema parity test found
-- the difference. SQLite cannot change a column's constraints in place, so each table is
-- rebuilt under its name with its index. A row without a key could never be found by a token
-- (the lookup is by digest), so none is worth copying.

CREATE TABLE sessions_rebuilt (
    token_hash TEXT NOT NULL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
INSERT INTO sessions_rebuilt (token_hash, user_id, created_at, expires_at)
SELECT token_hash, user_id, created_at, expires_at FROM sessions WHERE token_hash IS NOT NULL;
DROP TABLE sessions;
ALTER TABLE sessions_rebuilt RENAME TO sessions;
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE password_resets_rebuilt (
    token_hash TEXT NOT NULL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
INSERT INTO password_resets_rebuilt (token_hash, user_id, created_at, expires_at)
SELECT token_hash, user_id, created_at, expires_at FROM password_resets WHERE token_hash IS NOT NULL;
DROP TABLE password_resets;
ALTER TABLE password_resets_rebuilt RENAME TO password_resets;
CREATE INDEX password_resets_by_user ON password_resets (user_id);
