//! What the background workers (the escalation engine, the delivery worker) share: how long to
//! sleep before looking again.

use app::ssr::store::StoreResult;
use chrono::{DateTime, Utc};
use std::time::Duration;

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
