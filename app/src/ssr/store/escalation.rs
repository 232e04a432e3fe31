//! The escalation engine's tables: the schedule of due tickets and the thresholds that fired.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::tickets::{
    insert_events, ticket_from_row, update_projections, NewEvent, WriteError, TICKET_COLUMNS,
};
use super::{execute_rows, from_millis, get_optional_instant, to_millis, Store, StoreResult};
use crate::domain::clock::ClockKind;
use crate::domain::escalation::{Decision, Firing, NotificationIntent, Threshold, ThresholdKey};
use crate::domain::routing::AgentInfo;
use crate::domain::tracking::holds::apply_noting_holds;
use crate::domain::Ticket;
use crate::ssr::live::{Change, Topic};

/// What applying a decision did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Thresholds recorded (sent or overtaken).
    pub firings: usize,
    /// False when another instance or a newer change got there first; nothing was written.
    pub applied: bool,
}

/// A decision about one ticket, with what it was made from: the last event of the ticket's log
/// and the ticket's due instant in the schedule. It is applied only while both are unchanged:
/// a new event, or a rescheduling after a new policy version, calendar or plan, means the
/// decision may rest on stale facts.
#[derive(Clone, Debug)]
pub struct Decided {
    pub ticket_id: i64,
    pub seen_sequence: i64,
    pub seen_due_at: Option<DateTime<Utc>>,
    pub decision: Decision,
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

    /// The earliest instant any ticket is due, for the worker to sleep until.
    pub async fn next_due_instant(&self) -> StoreResult<Option<DateTime<Utc>>> {
        let row =
            sqlx::query("SELECT MIN(due_at) AS due FROM ticket_schedule").fetch_one(self.pool()).await?;
        get_optional_instant(&row, "due")
    }

    /// The due instants in the schedule of several tickets (those not in it are left out).
    pub async fn scheduled_due(&self, ticket_ids: &[i64]) -> StoreResult<HashMap<i64, DateTime<Utc>>> {
        if ticket_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let list = super::id_list(ticket_ids.iter().copied());
        let rows = sqlx::query(&format!(
            "SELECT ticket_id, due_at FROM ticket_schedule WHERE ticket_id IN ({list})"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|row| Ok((row.try_get("ticket_id")?, from_millis(row.try_get("due_at")?)?))).collect()
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
        let list = super::id_list(ticket_ids.iter().copied());
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

    /// Persists the decisions about several tickets in one transaction and a handful of
    /// statements, however many tickets: a batch costs one commit (one `fsync` on SQLite) and
    /// each statement carries every ticket's rows. For each ticket: the fired thresholds (each at
    /// most once, by the table's key), the events with their outbox rows, the notification
    /// intents, the projection and the next due instant.
    ///
    /// Nothing is written for a ticket that changed or was rescheduled since its decision was
    /// made (it is due again and decided afresh), that another instance holds (PostgreSQL), or
    /// whose thresholds another instance already fired; its outcome says `applied: false` and it
    /// stays due. A database error aborts the whole batch, which then stays due as a whole.
    pub async fn apply_decisions(
        &self,
        decided: &[Decided],
        now: DateTime<Utc>,
    ) -> Result<Vec<Applied>, WriteError> {
        let mut outcomes = vec![Applied::default(); decided.len()];
        if decided.is_empty() {
            return Ok(outcomes);
        }
        let mut write = self.begin_write().await?;

        // PostgreSQL: one writer at a time per ticket. The ticket rows are locked first, then
        // their schedule rows in ticket order: the write path's order (ticket, then schedule), so
        // people and engines never wait on each other in a cycle, and the order in which
        // rescheduling locks schedule rows. NO KEY UPDATE, like the write path, leaves the key
        // share lock a new schedule row's foreign key takes free. A ticket someone else holds is
        // theirs now, and stays due.
        let (claim, lock) = (self.backend().lock_for_write_skipping_held(), self.backend().lock_rows());
        let list = super::id_list(decided.iter().map(|item| item.ticket_id));
        let rows = sqlx::query(&format!(
            "SELECT {TICKET_COLUMNS}, t.last_sequence FROM tickets t WHERE t.id IN ({list}){claim}"
        ))
        .fetch_all(&mut *write.tx)
        .await?;
        let mut current = HashMap::with_capacity(rows.len());
        for row in &rows {
            current.insert(
                row.try_get::<i64, _>("id")?,
                (ticket_from_row(row)?, row.try_get::<i64, _>("last_sequence")?),
            );
        }
        let held = super::id_list(current.keys().copied());
        let mut scheduled: HashMap<i64, i64> = HashMap::new();
        if !held.is_empty() {
            let rows = sqlx::query(&format!(
                "SELECT ticket_id, due_at FROM ticket_schedule WHERE ticket_id IN ({held}) ORDER BY ticket_id{lock}"
            ))
            .fetch_all(&mut *write.tx)
            .await?;
            for row in &rows {
                scheduled.insert(row.try_get("ticket_id")?, row.try_get("due_at")?);
            }
        }
        // The tickets whose logs and schedule rows are still as their decisions saw them.
        let mut ready: Vec<(usize, Ticket, i64)> = decided
            .iter()
            .enumerate()
            .filter_map(|(index, item)| {
                let (ticket, sequence) = current.remove(&item.ticket_id)?;
                let due_at = scheduled.get(&item.ticket_id).copied();
                (sequence == item.seen_sequence
                    && due_at.is_some()
                    && due_at == item.seen_due_at.map(to_millis))
                .then_some((index, ticket, sequence))
            })
            .collect();

        // Each threshold fires once: a ticket one of whose thresholds is recorded already was
        // handled by another instance, which also wrote its events; it is left out, and the rows
        // this statement did insert for it are taken back.
        let firings: Vec<(i64, &Firing)> = ready
            .iter()
            .flat_map(|(index, _, _)| {
                let item = &decided[*index];
                item.decision.firings.iter().map(move |firing| (item.ticket_id, firing))
            })
            .collect();
        let inserted = execute_rows(
            &mut write,
            "INSERT INTO fired_thresholds (ticket_id, clock, cycle, threshold, due_at, fired_at, late, overtaken) VALUES ",
            " ON CONFLICT DO NOTHING RETURNING ticket_id, clock, cycle, threshold",
            8,
            firings,
            |query, (ticket_id, firing)| {
                query
                    .bind(ticket_id)
                    .bind(firing.key.clock.as_str())
                    .bind(i64::from(firing.key.cycle))
                    .bind(firing.key.threshold.as_text())
                    .bind(to_millis(firing.due_at))
                    .bind(to_millis(now))
                    .bind(i64::from(firing.late))
                    .bind(i64::from(firing.overtaken))
            },
        )
        .await?;
        let mut recorded: HashMap<i64, Vec<&AnyRow>> = HashMap::new();
        for row in &inserted {
            recorded.entry(row.try_get("ticket_id")?).or_default().push(row);
        }
        let mut raced = Vec::new();
        ready.retain(|(index, _, _)| {
            let item = &decided[*index];
            let rows = recorded.remove(&item.ticket_id).unwrap_or_default();
            let complete = rows.len() == item.decision.firings.len();
            if !complete {
                raced.extend(rows);
            }
            complete
        });
        for row in raced {
            sqlx::query(
                "DELETE FROM fired_thresholds WHERE ticket_id = $1 AND clock = $2 AND cycle = $3 AND threshold = $4",
            )
            .bind(row.try_get::<i64, _>("ticket_id")?)
            .bind(row.try_get::<String, _>("clock")?)
            .bind(row.try_get::<i64, _>("cycle")?)
            .bind(row.try_get::<String, _>("threshold")?)
            .execute(&mut *write.tx)
            .await?;
        }

        // The events, each batch at its instant, and the projection after them.
        let mut new_events = Vec::new();
        let mut projections = Vec::with_capacity(ready.len());
        let mut hold_changes = Vec::new();
        for (index, mut ticket, mut sequence) in ready {
            let decision = &decided[index].decision;
            for (at, events) in &decision.batches {
                let changes = apply_noting_holds(&mut ticket, events, *at);
                hold_changes.extend(changes.into_iter().map(|change| (ticket.id, change)));
                for data in events {
                    sequence += 1;
                    new_events.push(NewEvent {
                        ticket_id: ticket.id,
                        organisation_id: ticket.organisation_id,
                        sequence,
                        actor_id: None,
                        version_after: ticket.version,
                        at: *at,
                        data: data.clone(),
                    });
                }
            }
            outcomes[index] = Applied { firings: decision.firings.len(), applied: true };
            projections.push((ticket, sequence, decision));
        }
        insert_events(&mut write, new_events).await?;
        let intents: Vec<(i64, &NotificationIntent)> = projections
            .iter()
            .flat_map(|(ticket, _, decision)| decision.intents.iter().map(move |intent| (ticket.id, intent)))
            .collect();
        execute_rows(
            &mut write,
            "INSERT INTO outbox (ticket_id, topic, payload, created_at) VALUES ",
            "",
            4,
            intents,
            |query, (ticket_id, intent)| {
                let payload = serde_json::json!({ "ticket_id": ticket_id, "intent": intent });
                query
                    .bind(ticket_id)
                    .bind(format!("notify.{}", intent.kind.as_str()))
                    .bind(payload.to_string())
                    .bind(to_millis(now))
            },
        )
        .await?;
        update_projections(
            &mut write,
            projections.iter().map(|(ticket, sequence, _)| (ticket, *sequence)).collect(),
        )
        .await?;
        super::holds::record_in(&mut write, &hold_changes).await?;
        // What the queue sorts by, since when the ticket is stalled, and how its clocks stand.
        execute_rows(
            &mut write,
            "UPDATE tickets SET next_breach_at = v.column2, stalled_from = v.column3, clock_alerts = v.column4 \
             FROM (VALUES ",
            ") AS v WHERE tickets.id = v.column1",
            4,
            projections.iter().collect(),
            |query, (ticket, _, decision)| {
                query
                    .bind(ticket.id)
                    .bind(decision.next_breach.map(to_millis))
                    .bind(decision.stalled_from.map(to_millis))
                    .bind(decision.alerts.bits())
            },
        )
        .await?;
        tell_of_silent_alerts(&mut write, &projections).await?;
        // The next due instant, or none: the ticket leaves the schedule until it changes.
        let (due, done): (Vec<_>, Vec<_>) =
            projections.iter().partition(|(_, _, decision)| decision.next_due.is_some());
        execute_rows(
            &mut write,
            "INSERT INTO ticket_schedule (ticket_id, due_at) VALUES ",
            " ON CONFLICT (ticket_id) DO UPDATE SET due_at = excluded.due_at",
            2,
            due,
            |query, (ticket, _, decision)| query.bind(ticket.id).bind(decision.next_due.map(to_millis)),
        )
        .await?;
        if !done.is_empty() {
            let list = super::id_list(done.iter().map(|(ticket, _, _)| ticket.id));
            sqlx::query(&format!("DELETE FROM ticket_schedule WHERE ticket_id IN ({list})"))
                .execute(&mut *write.tx)
                .await?;
        }
        write.commit().await?;
        Ok(outcomes)
    }
}

/// Tells the live streams of the tickets one of whose clocks became at risk or overdue with no
/// event to say so, as a change of the ticket's last event: the dashboards' figures move at that
/// instant.
async fn tell_of_silent_alerts(
    write: &mut super::WriteTx,
    decided: &[(Ticket, i64, &Decision)],
) -> StoreResult<()> {
    let silent: Vec<&Ticket> = decided
        .iter()
        .filter(|(_, _, decision)| decision.risk_reached && decision.batches.is_empty())
        .map(|(ticket, _, _)| ticket)
        .collect();
    if silent.is_empty() {
        return Ok(());
    }
    let list = super::id_list(silent.iter().map(|ticket| ticket.id));
    let rows = sqlx::query(&format!(
        "SELECT e.ticket_id, e.id FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id AND e.sequence = t.last_sequence
         WHERE t.id IN ({list})"
    ))
    .fetch_all(&mut *write.tx)
    .await?;
    for row in &rows {
        let ticket_id: i64 = row.try_get("ticket_id")?;
        let organisation_id =
            silent.iter().find(|ticket| ticket.id == ticket_id).map(|ticket| ticket.organisation_id);
        write.record(Change {
            topic: Topic::Ticket,
            id: row.try_get("id")?,
            ticket_id: Some(ticket_id),
            organisation_id,
            public: false,
            user_id: None,
            kind: "clock_at_risk".into(),
        });
    }
    Ok(())
}

/// Marks open tickets due at `now` in the caller's transaction — every one, or those of one
/// organisation — so that once it commits the engine decides about them afresh: a new policy
/// version, calendar or plan may have moved their deadlines either way. The caller wakes the
/// engine after the commit. Rows are locked in ticket order, as the engine locks them, so the two
/// never deadlock on PostgreSQL.
pub(crate) async fn reschedule_open_in(
    write: &mut super::WriteTx,
    now: DateTime<Utc>,
    organisation_id: Option<i64>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO ticket_schedule (ticket_id, due_at)
         SELECT id, $1 FROM tickets
         WHERE status NOT IN ('resolved', 'closed') AND ($2 IS NULL OR organisation_id = $2)
         ORDER BY id
         ON CONFLICT (ticket_id) DO UPDATE SET due_at = excluded.due_at",
    )
    .bind(to_millis(now))
    .bind(organisation_id)
    .execute(&mut *write.tx)
    .await?;
    Ok(())
}
