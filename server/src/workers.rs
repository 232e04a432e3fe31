//! What the background workers (the escalation engine, the delivery worker) share: how long to
//! sleep before looking again; and the smallest worker, which sums up the open tickets' tally.

use app::ssr::store::StoreResult;
use app::ssr::Store;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// How often the open tickets' tally is summed up: it grows by a row or two per ticket change.
const TALLY_COMPACTION: Duration = Duration::from_secs(60);

/// Sums up the open tickets' tally every minute until `shutdown` (see
/// `Store::compact_open_ticket_tally`). With PostgreSQL every instance does it; each sums what
/// its statement sees, so they never count a row twice.
pub async fn compact_tally(store: Store, shutdown: Arc<Notify>) {
    loop {
        tokio::select! {
            _ = shutdown.notified() => return,
            _ = tokio::time::sleep(TALLY_COMPACTION) => {}
        }
        if let Err(error) = store.compact_open_ticket_tally().await {
            tracing::error!(%error, "summing up the open tickets' tally failed");
        }
    }
}

/// How long a worker sleeps: until its next due instant, but at most `max` (other instances'
/// work does not wake it) and at least `floor` (never a tight loop after an error or a skip). A
/// failure to read the next instant is logged and retried in a second.
pub fn pause(next_due: StoreResult<Option<DateTime<Utc>>>, floor: Duration, max: Duration) -> Duration {
    let until_due = match next_due {
        Ok(Some(due)) => (due - Utc::now()).to_std().unwrap_or_default().min(max),
        Ok(None) => max,
        Err(error) => {
            tracing::error!(%error, "reading the next due instant failed");
            Duration::from_secs(1)
        }
    };
    until_due.max(floor)
}
