//! Huddles held: who marked a tier's stand-up held, and when, so the next one shows what is new.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{get_instant, to_millis, Store, StoreResult};

/// A huddle someone marked held.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HeldHuddle {
    pub held_at: DateTime<Utc>,
    pub held_by: String,
}

impl Store {
    /// Records that `held_by` held the huddle of `tier_id` (`None`: of every tier) at `at`.
    pub async fn record_huddle(
        &self,
        tier_id: Option<i64>,
        held_by: i64,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut write = self.begin_write().await?;
        sqlx::query("INSERT INTO huddles (tier_id, held_by, held_at) VALUES ($1, $2, $3)")
            .bind(tier_id)
            .bind(held_by)
            .bind(to_millis(at))
            .execute(&mut *write.tx)
            .await?;
        write.commit().await
    }

    /// The last huddle of `tier_id` (`None`: of every tier).
    pub async fn last_huddle(&self, tier_id: Option<i64>) -> StoreResult<Option<HeldHuddle>> {
        let row = sqlx::query(
            "SELECT h.held_at, u.display_name FROM huddles h JOIN users u ON u.id = h.held_by
             WHERE (h.tier_id = $1 OR (h.tier_id IS NULL AND $1 IS NULL))
             ORDER BY h.held_at DESC, h.id DESC LIMIT 1",
        )
        .bind(tier_id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            Ok(HeldHuddle { held_at: get_instant(&row, "held_at")?, held_by: row.try_get("display_name")? })
        })
        .transpose()
    }
}
