//! Figures about the work the instances share, read when Prometheus scrapes `/metrics`: every
//! instance reports the same backlog because it comes from the database, not from memory.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{get_optional_instant, to_millis, Store, StoreResult};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OperationalFigures {
    pub open_tickets: i64,
    /// Tickets whose next due instant has passed: the engine's backlog.
    pub due_tickets: i64,
    /// The earliest due instant that has passed, if any: how far behind the engine is.
    pub oldest_due_at: Option<DateTime<Utc>>,
    /// Outbox rows the notifier has not expanded into deliveries yet.
    pub unprocessed_outbox: i64,
    pub pending_deliveries: i64,
    pub failed_deliveries: i64,
}

impl Store {
    /// Each figure is counted over an index; all but the open tickets are range lookups that
    /// stay small, while counting the open tickets reads the status index's open entries.
    pub async fn operational_figures(&self, now: DateTime<Utc>) -> StoreResult<OperationalFigures> {
        let count = |sql: &'static str| async move {
            let row = sqlx::query(sql).fetch_one(self.pool()).await?;
            StoreResult::Ok(row.try_get::<i64, _>("n")?)
        };
        let due = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(due_at) AS oldest FROM ticket_schedule WHERE due_at <= $1",
        )
        .bind(to_millis(now))
        .fetch_one(self.pool())
        .await?;
        Ok(OperationalFigures {
            open_tickets: count(
                "SELECT COUNT(*) AS n FROM tickets WHERE status IN ('new', 'open', 'pending', 'on_hold')",
            )
            .await?,
            due_tickets: due.try_get("n")?,
            oldest_due_at: get_optional_instant(&due, "oldest")?,
            unprocessed_outbox: count("SELECT COUNT(*) AS n FROM outbox WHERE processed_at IS NULL").await?,
            pending_deliveries: count("SELECT COUNT(*) AS n FROM deliveries WHERE status = 'pending'")
                .await?,
            failed_deliveries: count("SELECT COUNT(*) AS n FROM deliveries WHERE status = 'failed'").await?,
        })
    }
}
