//! Notifications: the outbox as the notifier reads it, the deliveries it plans and the delivery
//! worker sends, the in-app notification centre, watchers, and the replay of live changes.
//!
//! A delivery moves `pending` → `sent` | `failed`, or `pending` → `suppressed` when an
//! acknowledgement makes it moot. A worker claims a pending delivery by setting `lease_until`
//! (one statement, so two instances never claim the same row); if the worker dies while sending,
//! the lease runs out and the delivery is sent again with the same idempotency key.

use chrono::{DateTime, Duration, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{
    get_flag, get_instant, get_optional_instant, to_millis, Store, StoreError, StoreResult, WriteTx,
};
use crate::domain::delivery::{DeliveryStatus, DeliveryView, Notification};
use crate::domain::UserSummary;
use crate::ssr::live::{Change, Topic};

/// One unprocessed outbox row.
#[derive(Clone, Debug)]
pub struct OutboxRow {
    pub id: i64,
    pub ticket_id: Option<i64>,
    pub event_id: Option<i64>,
    pub topic: String,
    pub payload: String,
    pub created_at: DateTime<Utc>,
}

/// A delivery as the notifier plans it.
#[derive(Clone, Debug)]
pub struct NewDelivery {
    pub outbox_id: i64,
    pub ticket_id: Option<i64>,
    pub kind: String,
    pub level: i64,
    /// The channel as written in policies (`email`, `in_app`, `slack`, `webhook:name`).
    pub channel: String,
    /// `user:ID`, `email:address` or `channel`.
    pub destination: String,
    pub user_id: Option<i64>,
    pub urgent: bool,
    pub digest: bool,
    /// What the message says, as JSON; rendered per channel when sent.
    pub notice: String,
    pub idempotency_key: String,
    pub not_before: DateTime<Utc>,
}

/// A delivery claimed for sending.
#[derive(Clone, Debug)]
pub struct ClaimedDelivery {
    pub id: i64,
    pub ticket_id: Option<i64>,
    pub kind: String,
    pub channel: String,
    pub destination: String,
    pub user_id: Option<i64>,
    pub digest: bool,
    pub notice: String,
    pub idempotency_key: String,
    /// Attempts including this one.
    pub attempts: i64,
}

/// Everything after `Last-Event-ID` that a reconnecting stream missed.
pub struct Missed {
    pub changes: Vec<Change>,
    /// More was missed than is replayed: the browser should reload what it shows.
    pub truncated: bool,
}

const CLAIMED_COLUMNS: &str =
    "id, ticket_id, kind, channel, destination, user_id, digest, notice, idempotency_key, attempts";

fn claimed_from_row(row: &AnyRow) -> StoreResult<ClaimedDelivery> {
    Ok(ClaimedDelivery {
        id: row.try_get("id")?,
        ticket_id: row.try_get("ticket_id")?,
        kind: row.try_get("kind")?,
        channel: row.try_get("channel")?,
        destination: row.try_get("destination")?,
        user_id: row.try_get("user_id")?,
        digest: get_flag(row, "digest")?,
        notice: row.try_get("notice")?,
        idempotency_key: row.try_get("idempotency_key")?,
        attempts: row.try_get("attempts")?,
    })
}

impl Store {
    // -----------------------------------------------------------------------------------------
    // The outbox, as the notifier reads it
    // -----------------------------------------------------------------------------------------

    /// Up to `limit` unprocessed outbox rows, oldest first, inside the caller's transaction.
    /// With PostgreSQL the rows are locked and rows another instance holds are skipped, so
    /// instances share the outbox without expanding a row twice.
    pub async fn pending_outbox_in(&self, write: &mut WriteTx, limit: i64) -> StoreResult<Vec<OutboxRow>> {
        let lock = self.backend().take_rows_skipping_held();
        let rows = sqlx::query(&format!(
            "SELECT id, ticket_id, event_id, topic, payload, created_at FROM outbox
             WHERE processed_at IS NULL ORDER BY id LIMIT $1{lock}"
        ))
        .bind(limit)
        .fetch_all(&mut *write.tx)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(OutboxRow {
                    id: row.try_get("id")?,
                    ticket_id: row.try_get("ticket_id")?,
                    event_id: row.try_get("event_id")?,
                    topic: row.try_get("topic")?,
                    payload: row.try_get("payload")?,
                    created_at: get_instant(row, "created_at")?,
                })
            })
            .collect()
    }

    pub async fn mark_outbox_processed_in(
        &self,
        write: &mut WriteTx,
        ids: &[i64],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let list = super::id_list(ids.iter().copied());
        sqlx::query(&format!("UPDATE outbox SET processed_at = $1 WHERE id IN ({list})"))
            .bind(to_millis(now))
            .execute(&mut *write.tx)
            .await?;
        Ok(())
    }

    /// How many outbox rows wait for the notifier (an index range over the unprocessed rows).
    pub async fn unprocessed_outbox(&self) -> StoreResult<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM outbox WHERE processed_at IS NULL")
            .fetch_one(self.pool())
            .await?
            .try_get("n")?)
    }

    /// Inserts a planned delivery unless one with its idempotency key exists; returns its id when
    /// it was inserted. An in-app delivery is delivered by being written: it is stored as sent
    /// with its notification, and the person's open pages hear of it when this commits.
    pub async fn insert_delivery_in(
        &self,
        write: &mut WriteTx,
        delivery: &NewDelivery,
        in_app: Option<(&str, &str)>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>> {
        let status = if in_app.is_some() { DeliveryStatus::Sent } else { DeliveryStatus::Pending };
        let id: Option<i64> = sqlx::query(
            "INSERT INTO deliveries (outbox_id, ticket_id, kind, level, channel, destination, user_id, urgent, digest,
                 notice, idempotency_key, status, attempts, not_before, next_attempt_at, sent_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15, $16)
             ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
        )
        .bind(delivery.outbox_id)
        .bind(delivery.ticket_id)
        .bind(&delivery.kind)
        .bind(delivery.level)
        .bind(&delivery.channel)
        .bind(&delivery.destination)
        .bind(delivery.user_id)
        .bind(i64::from(delivery.urgent))
        .bind(i64::from(delivery.digest))
        .bind(&delivery.notice)
        .bind(&delivery.idempotency_key)
        .bind(status.as_str())
        .bind(i64::from(in_app.is_some()))
        .bind(to_millis(delivery.not_before))
        .bind(in_app.map(|_| to_millis(now)))
        .bind(to_millis(now))
        .fetch_optional(&mut *write.tx)
        .await?
        .map(|row| row.try_get("id"))
        .transpose()?;
        if let (Some(delivery_id), Some((title, body)), Some(user_id)) = (id, in_app, delivery.user_id) {
            let notification_id: i64 = sqlx::query(
                "INSERT INTO notifications (user_id, ticket_id, kind, title, body, delivery_id, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(user_id)
            .bind(delivery.ticket_id)
            .bind(&delivery.kind)
            .bind(title)
            .bind(body)
            .bind(delivery_id)
            .bind(to_millis(now))
            .fetch_one(&mut *write.tx)
            .await?
            .try_get("id")?;
            write.record(Change {
                topic: Topic::Notification,
                id: notification_id,
                ticket_id: delivery.ticket_id,
                organisation_id: None,
                public: false,
                user_id: Some(user_id),
                kind: delivery.kind.clone(),
            });
        }
        Ok(id)
    }

    /// Pending deliveries about `ticket_id` at ladder level `level` of the kinds an
    /// acknowledgement silences become `suppressed`; returns how many.
    pub async fn suppress_acknowledged_in(
        &self,
        write: &mut WriteTx,
        ticket_id: i64,
        level: i64,
        kinds: &[&str],
    ) -> StoreResult<u64> {
        let kinds = kinds.iter().map(|kind| format!("'{kind}'")).collect::<Vec<_>>().join(", ");
        Ok(sqlx::query(&format!(
            "UPDATE deliveries SET status = 'suppressed', last_error = 'acknowledged'
             WHERE ticket_id = $1 AND level = $2 AND status = 'pending' AND kind IN ({kinds})"
        ))
        .bind(ticket_id)
        .bind(level)
        .execute(&mut *write.tx)
        .await?
        .rows_affected())
    }

    // -----------------------------------------------------------------------------------------
    // Deliveries, as the delivery worker sends them
    // -----------------------------------------------------------------------------------------

    /// Claims up to `limit` pending deliveries that are due at `now` and not leased by a live
    /// worker, leasing them until `now + lease`; counts the attempt. Digest deliveries are
    /// claimed with the rest; the worker gathers them per person.
    pub async fn claim_deliveries(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: i64,
    ) -> StoreResult<Vec<ClaimedDelivery>> {
        let mut write = self.begin_write().await?;
        let lock = self.backend().take_rows_skipping_held();
        let rows = sqlx::query(&format!(
            "UPDATE deliveries SET lease_until = $1, attempts = attempts + 1
             WHERE id IN (SELECT id FROM deliveries
                          WHERE status = 'pending' AND next_attempt_at <= $2
                            AND (lease_until IS NULL OR lease_until <= $2)
                          ORDER BY next_attempt_at, id LIMIT $3{lock})
             RETURNING {CLAIMED_COLUMNS}"
        ))
        .bind(to_millis(now + lease))
        .bind(to_millis(now))
        .bind(limit)
        .fetch_all(&mut *write.tx)
        .await?;
        write.commit().await?;
        let mut claimed = rows.iter().map(claimed_from_row).collect::<StoreResult<Vec<_>>>()?;
        claimed.sort_by_key(|delivery| delivery.id);
        Ok(claimed)
    }

    /// The earliest instant a pending delivery becomes due, for the worker's sleep.
    pub async fn next_delivery_instant(&self) -> StoreResult<Option<DateTime<Utc>>> {
        let row = sqlx::query(
            "SELECT MIN(CASE WHEN lease_until IS NOT NULL AND lease_until > next_attempt_at
                             THEN lease_until ELSE next_attempt_at END) AS due
             FROM deliveries WHERE status = 'pending'",
        )
        .fetch_one(self.pool())
        .await?;
        get_optional_instant(&row, "due")
    }

    /// Records a delivery the receiver accepted.
    pub async fn mark_delivery_sent(&self, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        let mut write = self.begin_write().await?;
        sqlx::query(
            "UPDATE deliveries SET status = 'sent', sent_at = $1, lease_until = NULL, last_error = NULL
             WHERE id = $2 AND status = 'pending'",
        )
        .bind(to_millis(now))
        .bind(id)
        .execute(&mut *write.tx)
        .await?;
        write.commit().await
    }

    /// Records a failed attempt: tried again at `retry_at`, or `failed` for good when `None`.
    pub async fn mark_delivery_attempt_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        let mut write = self.begin_write().await?;
        let error: String = error.chars().take(1000).collect();
        match retry_at {
            Some(at) => {
                sqlx::query(
                    "UPDATE deliveries SET next_attempt_at = $1, lease_until = NULL, last_error = $2
                     WHERE id = $3 AND status = 'pending'",
                )
                .bind(to_millis(at))
                .bind(error)
                .bind(id)
                .execute(&mut *write.tx)
                .await?;
            }
            None => {
                sqlx::query(
                    "UPDATE deliveries SET status = 'failed', lease_until = NULL, last_error = $1
                     WHERE id = $2 AND status = 'pending'",
                )
                .bind(error)
                .bind(id)
                .execute(&mut *write.tx)
                .await?;
            }
        }
        write.commit().await
    }

    /// An admin's retry of a failed delivery (or of every failed one when `id` is `None`):
    /// pending again, due now, with its key unchanged. Returns how many; 0 when the delivery does
    /// not exist or has not failed.
    pub async fn retry_deliveries(&self, id: Option<i64>, now: DateTime<Utc>) -> StoreResult<u64> {
        let mut write = self.begin_write().await?;
        let statement = "UPDATE deliveries SET status = 'pending', next_attempt_at = $1, lease_until = NULL
             WHERE status = 'failed'";
        let one = format!("{statement} AND id = $2");
        let changed = match id {
            Some(id) => sqlx::query(&one).bind(to_millis(now)).bind(id),
            None => sqlx::query(statement).bind(to_millis(now)),
        }
        .execute(&mut *write.tx)
        .await?
        .rows_affected();
        write.commit().await?;
        if changed > 0 {
            self.delivery_wake().notify_one();
        }
        Ok(changed)
    }

    /// The most recent deliveries of the given statuses (all when empty), newest first.
    pub async fn deliveries(
        &self,
        statuses: &[DeliveryStatus],
        limit: i64,
    ) -> StoreResult<Vec<DeliveryView>> {
        let filter = if statuses.is_empty() {
            String::new()
        } else {
            let words = statuses.iter().map(|status| format!("'{}'", status.as_str())).collect::<Vec<_>>();
            format!("WHERE d.status IN ({})", words.join(", "))
        };
        let rows = sqlx::query(&format!(
            "SELECT d.id, d.ticket_id, d.kind, d.channel, d.destination, d.status, d.attempts, d.last_error,
                 d.idempotency_key, d.created_at, d.sent_at, d.not_before, u.display_name AS person
             FROM deliveries d LEFT JOIN users u ON u.id = d.user_id
             {filter} ORDER BY d.id DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let status: String = row.try_get("status")?;
                Ok(DeliveryView {
                    id: row.try_get("id")?,
                    ticket_id: row.try_get("ticket_id")?,
                    kind: row.try_get("kind")?,
                    channel: row.try_get("channel")?,
                    destination: match row.try_get::<Option<String>, _>("person")? {
                        Some(person) => person,
                        None => row.try_get("destination")?,
                    },
                    status: DeliveryStatus::parse(&status)
                        .ok_or_else(|| StoreError::Corrupt(format!("delivery status {status:?}")))?,
                    attempts: row.try_get("attempts")?,
                    last_error: row.try_get("last_error")?,
                    idempotency_key: row.try_get("idempotency_key")?,
                    created_at: get_instant(row, "created_at")?,
                    sent_at: get_optional_instant(row, "sent_at")?,
                    not_before: get_instant(row, "not_before")?,
                })
            })
            .collect()
    }

    /// Counts of deliveries by status, for the admin page and tests.
    pub async fn delivery_counts(&self) -> StoreResult<Vec<(DeliveryStatus, i64)>> {
        let rows =
            sqlx::query("SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status ORDER BY status")
                .fetch_all(self.pool())
                .await?;
        rows.iter()
            .map(|row| {
                let status: String = row.try_get("status")?;
                let status = DeliveryStatus::parse(&status)
                    .ok_or_else(|| StoreError::Corrupt(format!("delivery status {status:?}")))?;
                Ok((status, row.try_get("n")?))
            })
            .collect()
    }

    // -----------------------------------------------------------------------------------------
    // The notification centre
    // -----------------------------------------------------------------------------------------

    /// A person's most recent notifications, newest first.
    pub async fn notifications_of(&self, user_id: i64, limit: i64) -> StoreResult<Vec<Notification>> {
        let rows = sqlx::query(
            "SELECT id, ticket_id, kind, title, body, created_at, read_at FROM notifications
             WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Notification {
                    id: row.try_get("id")?,
                    ticket_id: row.try_get("ticket_id")?,
                    kind: row.try_get("kind")?,
                    title: row.try_get("title")?,
                    body: row.try_get("body")?,
                    created_at: get_instant(row, "created_at")?,
                    read: row.try_get::<Option<i64>, _>("read_at")?.is_some(),
                })
            })
            .collect()
    }

    pub async fn unread_notifications(&self, user_id: i64) -> StoreResult<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL")
            .bind(user_id)
            .fetch_one(self.pool())
            .await?
            .try_get("n")?)
    }

    /// Marks one of the person's notifications read, or all of them when `id` is `None`.
    /// Returns how many matched (for one id: 0 when it is not theirs); someone else's
    /// notification is never touched.
    pub async fn mark_notifications_read(
        &self,
        user_id: i64,
        id: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let mut write = self.begin_write().await?;
        let query = match id {
            Some(id) => sqlx::query(
                "UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE user_id = $2 AND id = $3",
            )
            .bind(to_millis(now))
            .bind(user_id)
            .bind(id),
            None => {
                sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
                    .bind(to_millis(now))
                    .bind(user_id)
            }
        };
        let changed = query.execute(&mut *write.tx).await?.rows_affected();
        write.commit().await?;
        Ok(changed)
    }

    // -----------------------------------------------------------------------------------------
    // Watchers and noise settings
    // -----------------------------------------------------------------------------------------

    pub async fn set_watching(&self, ticket_id: i64, user_id: i64, watching: bool) -> StoreResult<()> {
        let mut write = self.begin_write().await?;
        let statement = if watching {
            "INSERT INTO ticket_watchers (ticket_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM ticket_watchers WHERE ticket_id = $1 AND user_id = $2"
        };
        sqlx::query(statement).bind(ticket_id).bind(user_id).execute(&mut *write.tx).await?;
        write.commit().await
    }

    /// The people watching a ticket.
    pub async fn watchers(&self, ticket_id: i64) -> StoreResult<Vec<i64>> {
        Ok(self.watchers_of(&[ticket_id]).await?.remove(&ticket_id).unwrap_or_default())
    }

    /// The people watching each of several tickets, in one query.
    pub async fn watchers_of(
        &self,
        ticket_ids: &[i64],
    ) -> StoreResult<std::collections::HashMap<i64, Vec<i64>>> {
        let mut watchers: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
        if ticket_ids.is_empty() {
            return Ok(watchers);
        }
        let list = super::id_list(ticket_ids.iter().copied());
        let rows = sqlx::query(&format!(
            "SELECT ticket_id, user_id FROM ticket_watchers WHERE ticket_id IN ({list}) ORDER BY user_id"
        ))
        .fetch_all(self.pool())
        .await?;
        for row in &rows {
            watchers.entry(row.try_get("ticket_id")?).or_default().push(row.try_get("user_id")?);
        }
        Ok(watchers)
    }

    /// Each person's digest interval in minutes, where they chose one.
    pub async fn digest_minutes(&self) -> StoreResult<Vec<(i64, i64)>> {
        let rows = sqlx::query("SELECT id, digest_minutes FROM users WHERE digest_minutes IS NOT NULL")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|row| Ok((row.try_get("id")?, row.try_get("digest_minutes")?))).collect()
    }

    pub async fn set_digest_minutes(&self, user_id: i64, minutes: Option<i64>) -> StoreResult<()> {
        let mut write = self.begin_write().await?;
        sqlx::query("UPDATE users SET digest_minutes = $1 WHERE id = $2")
            .bind(minutes)
            .bind(user_id)
            .execute(&mut *write.tx)
            .await?;
        write.commit().await
    }

    // -----------------------------------------------------------------------------------------
    // Live streams
    // -----------------------------------------------------------------------------------------

    /// What `user` may see that was committed after ticket event `after_event` and notification
    /// `after_notification`, oldest first, at most `limit` of each.
    pub async fn changes_since(
        &self,
        user: &UserSummary,
        after_event: i64,
        after_notification: i64,
        limit: i64,
    ) -> StoreResult<Missed> {
        let customer_filter = if user.role.is_staff() {
            String::new()
        } else {
            format!(
                " AND e.visibility = 'public' AND t.organisation_id = {}",
                user.organisation_id.unwrap_or(-1)
            )
        };
        let events = sqlx::query(&format!(
            "SELECT e.id, e.ticket_id, e.kind, e.visibility, t.organisation_id FROM ticket_events e
             JOIN tickets t ON t.id = e.ticket_id
             WHERE e.id > $1{customer_filter} ORDER BY e.id LIMIT $2"
        ))
        .bind(after_event)
        .bind(limit + 1)
        .fetch_all(self.pool())
        .await?;
        let notifications = sqlx::query(
            "SELECT id, ticket_id, kind FROM notifications WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(user.id)
        .bind(after_notification)
        .bind(limit + 1)
        .fetch_all(self.pool())
        .await?;
        let truncated = events.len() as i64 > limit || notifications.len() as i64 > limit;
        let mut changes = Vec::new();
        for row in events.iter().take(limit as usize) {
            let visibility: String = row.try_get("visibility")?;
            changes.push(Change {
                topic: Topic::Ticket,
                id: row.try_get("id")?,
                ticket_id: Some(row.try_get("ticket_id")?),
                organisation_id: Some(row.try_get("organisation_id")?),
                public: visibility == "public",
                user_id: None,
                kind: row.try_get("kind")?,
            });
        }
        for row in notifications.iter().take(limit as usize) {
            changes.push(Change {
                topic: Topic::Notification,
                id: row.try_get("id")?,
                ticket_id: row.try_get("ticket_id")?,
                organisation_id: None,
                public: false,
                user_id: Some(user.id),
                kind: row.try_get("kind")?,
            });
        }
        Ok(Missed { changes, truncated })
    }

    /// The newest ticket event and notification ids: where a new stream starts.
    pub async fn live_watermark(&self, user_id: i64) -> StoreResult<(i64, i64)> {
        let event: Option<i64> = sqlx::query("SELECT MAX(id) AS n FROM ticket_events")
            .fetch_one(self.pool())
            .await?
            .try_get("n")?;
        let notification: Option<i64> =
            sqlx::query("SELECT MAX(id) AS n FROM notifications WHERE user_id = $1")
                .bind(user_id)
                .fetch_one(self.pool())
                .await?
                .try_get("n")?;
        Ok((event.unwrap_or(0), notification.unwrap_or(0)))
    }
}
