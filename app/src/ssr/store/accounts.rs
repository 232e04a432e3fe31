//! People and their sign-in sessions.

use chrono::{DateTime, Duration, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{from_millis, get_flag, get_named, to_millis, Store, StoreResult, WriteTx};
use crate::domain::{Role, UserSummary};

/// A person as the admin pages list them.
#[derive(Clone, Debug)]
pub struct UserRecord {
    pub summary: UserSummary,
    pub active: bool,
    pub calendar_id: Option<i64>,
}

/// A person to create; the password is hashed here and never stored in the clear.
pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub organisation_id: Option<i64>,
    pub calendar_id: Option<i64>,
    pub password: &'a str,
}

const USER_COLUMNS: &str = "id, email, display_name, role, organisation_id, calendar_id, active";

fn user_from_row(row: &AnyRow) -> StoreResult<UserRecord> {
    Ok(UserRecord {
        summary: UserSummary {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            display_name: row.try_get("display_name")?,
            role: get_named(row, "role", Role::parse)?,
            organisation_id: row.try_get("organisation_id")?,
        },
        active: get_flag(row, "active")?,
        calendar_id: row.try_get("calendar_id")?,
    })
}

impl Store {
    pub async fn create_user(&self, user: &NewUser<'_>, now: DateTime<Utc>) -> StoreResult<i64> {
        let hash = crate::ssr::auth::hash_password(user.password);
        let mut write = self.begin_write().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO users (email, display_name, role, organisation_id, calendar_id, password_hash, active, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7) RETURNING id",
        )
        .bind(user.email)
        .bind(user.display_name)
        .bind(user.role.as_str())
        .bind(user.organisation_id)
        .bind(user.calendar_id)
        .bind(hash)
        .bind(to_millis(now))
        .fetch_one(&mut *write.tx)
        .await?
        .try_get("id")?;
        write.commit().await?;
        Ok(id)
    }

    pub async fn set_user_skills(&self, user_id: i64, skills: &[String]) -> StoreResult<()> {
        let mut write = self.begin_write().await?;
        replace_user_skills(&mut write, user_id, skills).await?;
        write.commit().await
    }

    pub async fn user(&self, id: i64) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn users(&self) -> StoreResult<Vec<UserRecord>> {
        users_in(&mut *self.pool().acquire().await?).await
    }

    /// Each person's skills: (user id, skill), sorted by skill.
    pub async fn user_skills(&self) -> StoreResult<Vec<(i64, String)>> {
        let rows = sqlx::query("SELECT user_id, skill FROM user_skills ORDER BY skill")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|row| Ok((row.try_get("user_id")?, row.try_get("skill")?))).collect()
    }

    pub async fn count_users(&self) -> StoreResult<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM users").fetch_one(self.pool()).await?.try_get("n")?)
    }

    /// The active user with this e-mail address and password, if both match. The password is
    /// verified even when the address is unknown so that timing does not reveal which addresses
    /// exist.
    pub async fn verify_login(&self, email: &str, password: &str) -> StoreResult<Option<UserSummary>> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = $1"))
            .bind(email.trim().to_lowercase())
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else {
            crate::ssr::auth::verify_password(password, crate::ssr::auth::dummy_hash());
            return Ok(None);
        };
        let hash: String = row.try_get("password_hash")?;
        let user = user_from_row(&row)?;
        let password_matches = crate::ssr::auth::verify_password(password, &hash);
        Ok((password_matches && user.active).then_some(user.summary))
    }

    /// Changes what an admin may change about a person, in one transaction; deactivating also
    /// ends their sessions. False, and nothing written, when there is no such person.
    pub async fn update_person(
        &self,
        user_id: i64,
        role: Role,
        active: bool,
        calendar_id: Option<i64>,
        skills: &[String],
    ) -> StoreResult<bool> {
        let mut write = self.begin_write().await?;
        let updated = sqlx::query("UPDATE users SET role = $1, active = $2, calendar_id = $3 WHERE id = $4")
            .bind(role.as_str())
            .bind(i64::from(active))
            .bind(calendar_id)
            .bind(user_id)
            .execute(&mut *write.tx)
            .await?
            .rows_affected();
        if updated != 1 {
            return Ok(false);
        }
        replace_user_skills(&mut write, user_id, skills).await?;
        if !active {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *write.tx)
                .await?;
        }
        write.commit().await?;
        if !active {
            self.live().report_sessions_ended();
        }
        Ok(true)
    }

    /// Starts a session for `user_id` and returns the secret token for the cookie.
    pub async fn create_session(
        &self,
        user_id: i64,
        now: DateTime<Utc>,
        lifetime: Duration,
    ) -> StoreResult<String> {
        let token = crate::ssr::auth::new_secret_token();
        let mut write = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(crate::ssr::auth::hash_token(&token))
        .bind(user_id)
        .bind(to_millis(now))
        .bind(to_millis(now + lifetime))
        .execute(&mut *write.tx)
        .await?;
        // Expired sessions are swept whenever someone signs in; nothing else needs them.
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(to_millis(now))
            .execute(&mut *write.tx)
            .await?;
        write.commit().await?;
        Ok(token)
    }

    /// When the session of `token` expires, if it is still valid: not expired, not ended, and
    /// its person active.
    pub async fn session_expiry(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        let row = sqlx::query(
            "SELECT sessions.expires_at FROM sessions JOIN users u ON u.id = sessions.user_id
             WHERE sessions.token_hash = $1 AND sessions.expires_at > $2 AND u.active = 1",
        )
        .bind(crate::ssr::auth::hash_token(token))
        .bind(to_millis(now))
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| from_millis(row.try_get("expires_at")?)).transpose()
    }

    /// The active user a session token belongs to, if the session has not expired.
    pub async fn session_user(&self, token: &str, now: DateTime<Utc>) -> StoreResult<Option<UserSummary>> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM sessions JOIN users u ON u.id = sessions.user_id
             WHERE sessions.token_hash = $1 AND sessions.expires_at > $2 AND u.active = 1",
            USER_COLUMNS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ")
        ))
        .bind(crate::ssr::auth::hash_token(token))
        .bind(to_millis(now))
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?.map(|user| user.summary))
    }

    pub async fn delete_session(&self, token: &str) -> StoreResult<()> {
        let mut write = self.begin_write().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(crate::ssr::auth::hash_token(token))
            .execute(&mut *write.tx)
            .await?;
        write.commit().await?;
        self.live().report_sessions_ended();
        Ok(())
    }

    /// Gives a person a new password and ends their sessions, except `keep_session` (the one
    /// changing its own password stays signed in there). False when there is no such person.
    pub async fn set_password(
        &self,
        user_id: i64,
        password: &str,
        keep_session: Option<&str>,
    ) -> StoreResult<bool> {
        // Hashed before the write begins: a slow hash must not hold SQLite's one writer.
        let hash = crate::ssr::auth::hash_password(password);
        let mut write = self.begin_write().await?;
        if !replace_password(&mut write, user_id, &hash, keep_session).await? {
            return Ok(false);
        }
        write.commit().await?;
        self.live().report_sessions_ended();
        Ok(true)
    }

    /// Starts a password reset for the active person with this e-mail address: returns them and
    /// the secret token of their link, or `None` for an unknown or inactive address.
    pub async fn create_password_reset(
        &self,
        email: &str,
        now: DateTime<Utc>,
        lifetime: Duration,
    ) -> StoreResult<Option<(UserSummary, String)>> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1 AND active = 1"))
            .bind(email.trim().to_lowercase())
            .fetch_optional(self.pool())
            .await?;
        let Some(user) = row.as_ref().map(user_from_row).transpose()? else {
            return Ok(None);
        };
        let token = crate::ssr::auth::new_secret_token();
        let mut write = self.begin_write().await?;
        // Expired links are swept whenever a new one is made; nothing else needs them.
        sqlx::query("DELETE FROM password_resets WHERE expires_at <= $1")
            .bind(to_millis(now))
            .execute(&mut *write.tx)
            .await?;
        sqlx::query(
            "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(crate::ssr::auth::hash_token(&token))
        .bind(user.summary.id)
        .bind(to_millis(now))
        .bind(to_millis(now + lifetime))
        .execute(&mut *write.tx)
        .await?;
        write.commit().await?;
        Ok(Some((user.summary, token)))
    }

    /// Uses a reset link: sets the new password, ends every session of the person and spends
    /// every link they have. False when the link is unknown, used or expired (nothing changes).
    pub async fn reset_password(&self, token: &str, password: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        let hash = crate::ssr::auth::hash_password(password);
        let mut write = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT p.user_id FROM password_resets p JOIN users u ON u.id = p.user_id
             WHERE p.token_hash = $1 AND p.expires_at > $2 AND u.active = 1",
        )
        .bind(crate::ssr::auth::hash_token(token))
        .bind(to_millis(now))
        .fetch_optional(&mut *write.tx)
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        let user_id: i64 = row.try_get("user_id")?;
        // Deleting first makes the link single-use even against a second request racing this
        // one on PostgreSQL: only one of them deletes the row.
        let spent = sqlx::query("DELETE FROM password_resets WHERE token_hash = $1")
            .bind(crate::ssr::auth::hash_token(token))
            .execute(&mut *write.tx)
            .await?
            .rows_affected();
        if spent == 0 {
            return Ok(false);
        }
        replace_password(&mut write, user_id, &hash, None).await?;
        write.commit().await?;
        self.live().report_sessions_ended();
        Ok(true)
    }
}

/// Sets a person's password hash, spends their reset links (the password they would replace is
/// gone) and deletes their sessions except `keep_session`. False when there is no such person.
async fn replace_password(
    write: &mut WriteTx,
    user_id: i64,
    password_hash: &str,
    keep_session: Option<&str>,
) -> StoreResult<bool> {
    let changed = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(user_id)
        .execute(&mut *write.tx)
        .await?
        .rows_affected();
    if changed == 0 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM password_resets WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *write.tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(keep_session.map(crate::ssr::auth::hash_token).unwrap_or_default())
        .execute(&mut *write.tx)
        .await?;
    Ok(true)
}

async fn replace_user_skills(write: &mut WriteTx, user_id: i64, skills: &[String]) -> StoreResult<()> {
    sqlx::query("DELETE FROM user_skills WHERE user_id = $1").bind(user_id).execute(&mut *write.tx).await?;
    for skill in skills {
        sqlx::query("INSERT INTO user_skills (user_id, skill) VALUES ($1, $2)")
            .bind(user_id)
            .bind(skill)
            .execute(&mut *write.tx)
            .await?;
    }
    Ok(())
}

/// [`Store::users`] on a connection the caller holds (a write transaction's).
pub(crate) async fn users_in(conn: &mut AnyConnection) -> StoreResult<Vec<UserRecord>> {
    let rows = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY role DESC, display_name"))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(user_from_row).collect()
}
