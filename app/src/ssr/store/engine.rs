//! The escalation engine's tables: the schedule of due tickets and the thresholds that fired.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::tickets::WriteError;
use super::{from_millis, to_millis, Backend, Store, StoreResult};
use crate::domain::clock::ClockKind;
use crate::domain::escalation::{Decision, Threshold, ThresholdKey};
use crate::domain::routing::AgentInfo;

/// What applying a decision did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Thresholds recorded (sent or overtaken).
    pub firings: usize,
    /// False when another instance or a newer change got there first; nothing was written.
    pub applied: bool,
}

impl Store {
    /// Active staff as routing sees them: skills, working calendar (by name), open tickets.
    pub async fn routing_agents(&self) -> StoreResult<std::collections::BTreeMap<i64, AgentInfo>> {
        let calendars: std::collections::HashMap<i64, String> =
            self.calendars().await?.into_iter().map(|calendar| (calendar.id, calendar.name)).collect();
        let skills = self.user_skills().await?;
        let load_rows = sqlx::query(
            "SELECT assignee_id, COUNT(*) AS n FROM tickets
             WHERE assignee_id IS NOT NULL AND status NOT IN ('resolved', 'closed') GROUP BY assignee_id",
        )
        .fetch_all(self.pool())
        .await?;
        let mut load = std::collections::HashMap::new();
        for row in &load_rows {
            load.insert(row.try_get::<i64, _>("assignee_id")?, row.try_get::<i64, _>("n")?);
        }
        Ok(self
            .users()
            .await?
            .into_iter()
            .filter(|user| user.active && user.summary.role.is_staff())
            .map(|user| {
                let id = user.summary.id;
                let info = AgentInfo {
                    skills: skills
                        .iter()
                        .filter(|(owner, _)| *owner == id)
                        .map(|(_, skill)| skill.clone())
                        .collect(),
                    calendar: user.calendar_id.and_then(|calendar| calendars.get(&calendar).cloned()),
                    open_tickets: load.get(&id).copied().unwrap_or(0),
                };
                (id, info)
            })
            .collect())
    }

    /// Up to `limit` tickets due at `now`, earliest first.
    pub async fn due_tickets(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<i64>> {
        let rows =
            sqlx::query("SELECT ticket_id FROM ticket_schedule WHERE due_at <= $1 ORDER BY due_at LIMIT $2")
                .bind(to_millis(now))
                .bind(limit)
                .fetch_all(self.pool())
                .await?;
        rows.iter().map(|row| Ok(row.try_get("ticket_id")?)).collect()
    }

    /// Marks every open ticket due at `now`, so the engine looks at each again: after a new
    /// policy version, targets and ladders may have changed for all of them.
    pub async fn reschedule_open_tickets(&self, now: DateTime<Utc>) -> StoreResult<()> {
        let mut write = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO ticket_schedule (ticket_id, due_at)
             SELECT id, $1 FROM tickets WHERE status NOT IN ('resolved', 'closed')
             ON CONFLICT (ticket_id) DO UPDATE SET due_at = excluded.due_at",
        )
        .bind(to_millis(now))
        .execute(&mut *write.tx)
        .await?;
        write.commit().await?;
        self.engine_wake().notify_one();
        Ok(())
    }

    /// The earliest instant any ticket is due, for the worker to sleep until.
    pub async fn next_due_instant(&self) -> StoreResult<Option<DateTime<Utc>>> {
        let row =
            sqlx::query("SELECT MIN(due_at) AS due FROM ticket_schedule").fetch_one(self.pool()).await?;
        row.try_get::<Option<i64>, _>("due")?.map(from_millis).transpose()
    }

    /// The fired thresholds of several tickets in one query.
    pub async fn fired_thresholds_of(
        &self,
        ticket_ids: &[i64],
    ) -> StoreResult<std::collections::HashMap<i64, BTreeSet<ThresholdKey>>> {
        let mut keys: std::collections::HashMap<i64, BTreeSet<ThresholdKey>> =
            std::collections::HashMap::new();
        if ticket_ids.is_empty() {
            return Ok(keys);
        }
        let list = ticket_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        let rows = sqlx::query(&format!(
            "SELECT ticket_id, clock, cycle, threshold FROM fired_thresholds WHERE ticket_id IN ({list})"
        ))
        .fetch_all(self.pool())
        .await?;
        for row in &rows {
            let ticket_id: i64 = row.try_get("ticket_id")?;
            let clock: String = row.try_get("clock")?;
            let threshold: String = row.try_get("threshold")?;
            let cycle: i64 = row.try_get("cycle")?;
            if let (Some(clock), Some(threshold), Ok(cycle)) =
                (ClockKind::parse(&clock), Threshold::parse(&threshold), u32::try_from(cycle))
            {
                keys.entry(ticket_id).or_default().insert(ThresholdKey { clock, cycle, threshold });
            }
        }
        Ok(keys)
    }

    /// Persists the decisions about several tickets in one transaction, so a batch costs one
    /// commit (one `fsync` on SQLite) instead of one per ticket. For each ticket: the fired
    /// thresholds (each at most once, by the table's key), the events through the write path,
    /// the notification intents in the outbox, and the next due instant. Nothing is written for
    /// a ticket that changed since its `seen_sequence` (it is due again and decided afresh), that
    /// another instance holds, or whose thresholds another instance already fired. Each ticket is applied under a
    /// savepoint: a ticket that changed meanwhile, or whose thresholds another instance fired,
    /// is rolled back alone and stays due. A database error aborts the whole batch, which then
    /// stays due as a whole.
    pub async fn apply_decisions(
        &self,
        decisions: &[(i64, i64, &Decision)],
        now: DateTime<Utc>,
    ) -> Result<Vec<Applied>, WriteError> {
        let mut write = self.begin_write().await?;
        let mut outcomes = Vec::with_capacity(decisions.len());
        for (ticket_id, seen_sequence, decision) in decisions {
            sqlx::query("SAVEPOINT engine_ticket").execute(&mut *write.tx).await?;
            let mark = write.change_mark();
            let applied = self.apply_in(&mut write, *ticket_id, *seen_sequence, decision, now).await?;
            let end = if applied.applied {
                "RELEASE SAVEPOINT engine_ticket"
            } else {
                write.forget_changes_since(mark);
                "ROLLBACK TO SAVEPOINT engine_ticket"
            };
            sqlx::query(end).execute(&mut *write.tx).await?;
            outcomes.push(applied);
        }
        write.commit().await?;
        Ok(outcomes)
    }

    async fn apply_in(
        &self,
        write: &mut super::WriteTx,
        ticket_id: i64,
        seen_sequence: i64,
        decision: &Decision,
        now: DateTime<Utc>,
    ) -> Result<Applied, WriteError> {
        // PostgreSQL: one writer at a time per ticket. The ticket row is locked first, in the
        // same order as the write path (ticket, then schedule), so people and engines never wait
        // on each other in a cycle; a row someone else holds is theirs now, and stays due.
        let claim = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sequence: Option<i64> =
            sqlx::query(&format!("SELECT last_sequence FROM tickets WHERE id = $1{claim}"))
                .bind(ticket_id)
                .fetch_optional(&mut *write.tx)
                .await?
                .map(|row| row.try_get("last_sequence"))
                .transpose()?;
        let scheduled = sqlx::query("SELECT ticket_id FROM ticket_schedule WHERE ticket_id = $1")
            .bind(ticket_id)
            .fetch_optional(&mut *write.tx)
            .await?;
        if scheduled.is_none() || sequence != Some(seen_sequence) {
            return Ok(Applied::default());
        }
        for firing in &decision.firings {
            let inserted = sqlx::query(
                "INSERT INTO fired_thresholds (ticket_id, clock, cycle, threshold, due_at, fired_at, late, overtaken)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
            )
            .bind(ticket_id)
            .bind(firing.key.clock.as_str())
            .bind(i64::from(firing.key.cycle))
            .bind(firing.key.threshold.as_text())
            .bind(to_millis(firing.due_at))
            .bind(to_millis(now))
            .bind(i64::from(firing.late))
            .bind(i64::from(firing.overtaken))
            .execute(&mut *write.tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                // Fired already: whoever did it also wrote its events; ours would be a repeat.
                return Ok(Applied::default());
            }
        }
        for (at, events) in &decision.batches {
            let events = events.clone();
            self.append_in(write, ticket_id, None, None, *at, move |_| Ok(events)).await?;
        }
        if !decision.intents.is_empty() {
            let sql = format!(
                "INSERT INTO outbox (ticket_id, topic, payload, created_at) VALUES {}",
                super::value_rows(4, decision.intents.len())
            );
            let mut insert = sqlx::query(&sql);
            for intent in &decision.intents {
                let payload = serde_json::json!({ "ticket_id": ticket_id, "intent": intent });
                insert = insert
                    .bind(ticket_id)
                    .bind(format!("notify.{}", intent.kind.as_str()))
                    .bind(payload.to_string())
                    .bind(to_millis(now));
            }
            insert.execute(&mut *write.tx).await?;
        }
        sqlx::query("UPDATE tickets SET next_breach_at = $1 WHERE id = $2")
            .bind(decision.next_breach.map(to_millis))
            .bind(ticket_id)
            .execute(&mut *write.tx)
            .await?;
        // The events above marked the ticket due at their instants; the decision knows better.
        match decision.next_due {
            Some(due) => {
                sqlx::query("UPDATE ticket_schedule SET due_at = $1 WHERE ticket_id = $2")
                    .bind(to_millis(due))
                    .bind(ticket_id)
                    .execute(&mut *write.tx)
                    .await?;
            }
            None => {
                sqlx::query("DELETE FROM ticket_schedule WHERE ticket_id = $1")
                    .bind(ticket_id)
                    .execute(&mut *write.tx)
                    .await?;
            }
        }
        Ok(Applied { firings: decision.firings.len(), applied: true })
    }
}
