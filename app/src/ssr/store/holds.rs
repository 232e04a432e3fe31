//! The holds of tickets by tiers over time (`domain::tracking::holds`), kept in `ticket_holds`:
//! what the dashboard's "open tickets per tier" of past days and its drill-down read. The write
//! path records the changes of holder its events make, in the same transaction; a store that
//! has tickets but no holds (the table is new) rebuilds them from the logs once.

use super::{execute_rows, to_millis, Store, StoreResult, WriteTx};
use crate::domain::tracking::holds::{holds_of, HoldChange};

/// Tickets whose logs are read at a time while rebuilding.
const REBUILD_BATCH: i64 = 500;

/// Records the changes of holder `changes` names by ticket, in order: each ends the ticket's open
/// hold and, unless the ticket is done, starts the next.
pub(super) async fn record_in(write: &mut WriteTx, changes: &[(i64, HoldChange)]) -> StoreResult<()> {
    for (ticket_id, change) in changes {
        sqlx::query("UPDATE ticket_holds SET until_at = $1 WHERE ticket_id = $2 AND until_at IS NULL")
            .bind(to_millis(change.at))
            .bind(ticket_id)
            .execute(&mut *write.tx)
            .await?;
        if let Some(tier_id) = change.holder {
            sqlx::query("INSERT INTO ticket_holds (ticket_id, tier_id, from_at) VALUES ($1, $2, $3)")
                .bind(ticket_id)
                .bind(tier_id)
                .bind(to_millis(change.at))
                .execute(&mut *write.tx)
                .await?;
        }
    }
    Ok(())
}

/// Whether the holds are missing: no hold, but tickets to hold.
async fn holds_missing<'c>(connection: impl sqlx::Executor<'c, Database = sqlx::Any>) -> StoreResult<bool> {
    let missing: i64 = sqlx::query_scalar(
        "SELECT CAST(CASE WHEN EXISTS (SELECT 1 FROM tickets) AND NOT EXISTS (SELECT 1 FROM ticket_holds)
             THEN 1 ELSE 0 END AS BIGINT)",
    )
    .fetch_one(connection)
    .await?;
    Ok(missing == 1)
}

impl Store {
    /// Fills `ticket_holds` from the tickets' logs when it is empty and tickets exist: once, after
    /// the migration that made it. One transaction, so a second instance starting meanwhile waits
    /// and then finds the holds written.
    pub(super) async fn rebuild_holds_if_missing(&self) -> StoreResult<()> {
        // Every start asks, so the usual answer is a read that takes no lock.
        if !holds_missing(self.pool()).await? {
            return Ok(());
        }
        let mut write = self.begin_write().await?;
        if let Some(lock) = self.backend().lock_table("ticket_holds") {
            sqlx::query(&lock).execute(&mut *write.tx).await?;
        }
        // Another instance may have filled them while this one waited.
        if !holds_missing(&mut *write.tx).await? {
            return Ok(());
        }
        let mut after = 0_i64;
        loop {
            let ids: Vec<i64> =
                sqlx::query_scalar("SELECT id FROM tickets WHERE id > $1 ORDER BY id LIMIT $2")
                    .bind(after)
                    .bind(REBUILD_BATCH)
                    .fetch_all(&mut *write.tx)
                    .await?;
            let Some(last) = ids.last() else { break };
            after = *last;
            let mut rows = Vec::new();
            for (ticket, log) in self.tickets_with_logs(&ids).await? {
                rows.extend(holds_of(&log).into_iter().map(|hold| (ticket.id, hold)));
            }
            execute_rows(
                &mut write,
                "INSERT INTO ticket_holds (ticket_id, tier_id, from_at, until_at) VALUES ",
                "",
                4,
                rows,
                |query, (ticket_id, hold)| {
                    query
                        .bind(ticket_id)
                        .bind(hold.tier_id)
                        .bind(to_millis(hold.from))
                        .bind(hold.until.map(to_millis))
                },
            )
            .await?;
        }
        write.commit().await?;
        Ok(())
    }
}
