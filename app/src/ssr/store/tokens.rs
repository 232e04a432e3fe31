//! API tokens for integrations. The secret is shown once at creation; only its hash is stored.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{from_millis, get_optional_instant, to_millis, Store, StoreResult};
use crate::domain::account::ApiToken;
use crate::domain::UserSummary;

/// How precisely a token's last use is kept: at most one write per token per minute.
const LAST_USED_RESOLUTION_MS: i64 = 60_000;

impl Store {
    /// Creates a token acting as `creator` and returns (id, secret).
    pub async fn create_api_token(
        &self,
        name: &str,
        creator: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<(i64, String)> {
        let secret = format!("tl_{}", crate::ssr::auth::new_secret_token());
        let mut write = self.begin_write().await?;
        let id = sqlx::query(
            "INSERT INTO api_tokens (name, token_hash, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(name)
        .bind(crate::ssr::auth::hash_token(&secret))
        .bind(creator)
        .bind(to_millis(now))
        .fetch_one(&mut *write.tx)
        .await?
        .try_get("id")?;
        write.commit().await?;
        Ok((id, secret))
    }

    pub async fn revoke_api_token(&self, id: i64, now: DateTime<Utc>) -> StoreResult<bool> {
        let mut write = self.begin_write().await?;
        let updated =
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(to_millis(now))
                .bind(id)
                .execute(&mut *write.tx)
                .await?
                .rows_affected();
        write.commit().await?;
        Ok(updated == 1)
    }

    pub async fn api_tokens(&self) -> StoreResult<Vec<ApiToken>> {
        let rows = sqlx::query(
            "SELECT k.id, k.name, u.display_name, k.created_at, k.last_used_at, k.revoked_at
             FROM api_tokens k JOIN users u ON u.id = k.created_by ORDER BY k.created_at DESC",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ApiToken {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    created_by: row.try_get("display_name")?,
                    created_at: from_millis(row.try_get("created_at")?)?,
                    last_used_at: get_optional_instant(row, "last_used_at")?,
                    revoked: row.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
                })
            })
            .collect()
    }

    /// The person a live token acts for: the admin who created it, if still active. Records when
    /// the token was used, to the minute: a write on every call would make each REST call queue
    /// for the database's one writer just to move a date the token list shows in minutes.
    pub async fn api_token_user(&self, secret: &str, now: DateTime<Utc>) -> StoreResult<Option<UserSummary>> {
        let hash = crate::ssr::auth::hash_token(secret);
        let row = sqlx::query(
            "SELECT id, created_by, last_used_at FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(&hash)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let token_id: i64 = row.try_get("id")?;
        let last_used_at: Option<i64> = row.try_get("last_used_at")?;
        let user =
            self.user(row.try_get("created_by")?).await?.filter(|user| user.active).map(|user| user.summary);
        let recorded_recently =
            last_used_at.is_some_and(|last| to_millis(now) - last < LAST_USED_RESOLUTION_MS);
        if user.is_some() && !recorded_recently {
            let mut write = self.begin_write().await?;
            // Concurrent calls all saw the old instant; the condition lets only the first write.
            sqlx::query(
                "UPDATE api_tokens SET last_used_at = $1
                 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)",
            )
            .bind(to_millis(now))
            .bind(token_id)
            .bind(to_millis(now) - LAST_USED_RESOLUTION_MS)
            .execute(&mut *write.tx)
            .await?;
            write.commit().await?;
        }
        Ok(user)
    }
}
