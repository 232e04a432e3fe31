//! Tickets: the one write path for every command, and the reads behind the queue, the portal
//! and the ticket page.
//!
//! [`Store::append`] is how anything changes a ticket: inside one transaction it locks the
//! ticket, checks the version the caller saw (field edits only), lets the pure domain decide the
//! events, appends them to the log, rewrites the projection and writes one outbox row per event.
//! The escalation engine and the notifications hook in here rather than writing on their own.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{
    execute_rows, get_instant, get_named, get_optional_instant, to_millis, Store, StoreError, StoreResult,
    WriteTx,
};
use crate::domain::commands::CommandError;
use crate::domain::describe::{self, describe};
use crate::domain::queue::TimelineEntry;
use crate::domain::ticket::Assignment;
use crate::domain::tracking::holds::{apply_noting_holds, holder, HoldChange};
use crate::domain::{
    Channel, EventData, Priority, Ticket, TicketEvent, TicketStatus, UserSummary, Visibility,
};
use crate::ssr::live::{Change, Topic};

/// Why a command on a ticket was not carried out.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("ticket not found")]
    NotFound,
    /// Someone changed the ticket since the caller loaded it; the text says who changed what.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Command(#[from] CommandError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How both front doors answer a refused command: a missing ticket is "not found", a conflict
/// says who changed what, a command's refusal keeps its kind, a store failure is internal.
impl From<WriteError> for crate::error::AppError {
    fn from(error: WriteError) -> Self {
        use crate::error::AppError;
        match error {
            WriteError::NotFound => AppError::NotFound,
            WriteError::Conflict(message) => AppError::Conflict(message),
            WriteError::Command(error) => error.into(),
            WriteError::Store(error) => error.into(),
        }
    }
}

impl From<sqlx::Error> for WriteError {
    fn from(error: sqlx::Error) -> Self {
        WriteError::Store(StoreError::Database(error))
    }
}

/// What a successful command did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appended {
    pub ticket: Ticket,
    pub events: Vec<TicketEvent>,
}

pub(super) const TICKET_COLUMNS: &str = "t.id, t.subject, t.description, t.requester_id, t.organisation_id, t.category_id, \
     t.priority, t.channel, t.status, t.tier_id, t.group_id, t.assignee_id, t.tags, t.version, t.reopen_count, \
     t.escalation_level, t.acknowledged_level, t.level_since, t.first_replied_at, t.resolved_at, t.created_at, \
     t.updated_at";

pub(super) fn ticket_from_row(row: &AnyRow) -> StoreResult<Ticket> {
    let tags: String = row.try_get("tags")?;
    Ok(Ticket {
        id: row.try_get("id")?,
        subject: row.try_get("subject")?,
        description: row.try_get("description")?,
        requester_id: row.try_get("requester_id")?,
        organisation_id: row.try_get("organisation_id")?,
        category_id: row.try_get("category_id")?,
        priority: get_named(row, "priority", Priority::parse)?,
        channel: get_named(row, "channel", Channel::parse)?,
        status: get_named(row, "status", TicketStatus::parse)?,
        assignment: Assignment {
            tier_id: row.try_get("tier_id")?,
            group_id: row.try_get("group_id")?,
            assignee_id: row.try_get("assignee_id")?,
        },
        tags: tags.split_whitespace().map(str::to_string).collect(),
        version: row.try_get("version")?,
        reopen_count: row.try_get("reopen_count")?,
        escalation_level: row.try_get("escalation_level")?,
        acknowledged_level: row.try_get("acknowledged_level")?,
        level_since: get_instant(row, "level_since")?,
        first_replied_at: get_optional_instant(row, "first_replied_at")?,
        resolved_at: get_optional_instant(row, "resolved_at")?,
        created_at: get_instant(row, "created_at")?,
        updated_at: get_instant(row, "updated_at")?,
    })
}

pub(super) fn event_from_row(row: &AnyRow) -> StoreResult<TicketEvent> {
    let data: String = row.try_get("data")?;
    Ok(TicketEvent {
        id: row.try_get("id")?,
        ticket_id: row.try_get("ticket_id")?,
        sequence: row.try_get("sequence")?,
        actor_id: row.try_get("actor_id")?,
        at: get_instant(row, "at")?,
        data: serde_json::from_str(&data)
            .map_err(|error| StoreError::Corrupt(format!("event data: {error}")))?,
    })
}

impl Store {
    /// Opens a ticket: writes its `Created` event, the projection and the outbox row.
    pub async fn create_ticket(
        &self,
        requester_id: i64,
        organisation_id: i64,
        actor_id: i64,
        created: EventData,
        at: DateTime<Utc>,
    ) -> StoreResult<Appended> {
        let mut write = self.begin_write().await?;
        let provisional = Ticket::from_created(0, requester_id, organisation_id, at, &created)
            .ok_or_else(|| StoreError::Corrupt("a ticket must start with a Created event".into()))?;
        let id: i64 = sqlx::query(
            "INSERT INTO tickets (subject, description, requester_id, organisation_id, category_id, priority, channel,
                 status, tags, version, reopen_count, last_sequence, level_since, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', $9, 0, 1, $10, $10, $10) RETURNING id",
        )
        .bind(&provisional.subject)
        .bind(&provisional.description)
        .bind(requester_id)
        .bind(organisation_id)
        .bind(provisional.category_id)
        .bind(provisional.priority.as_str())
        .bind(provisional.channel.as_str())
        .bind(provisional.status.as_str())
        .bind(provisional.version)
        .bind(to_millis(at))
        .fetch_one(&mut *write.tx)
        .await?
        .try_get("id")?;
        let ticket = Ticket { id, ..provisional };
        let events = append_events(&mut write, &ticket, 0, Some(actor_id), &[created], at).await?;
        super::holds::record_in(&mut write, &[(id, HoldChange { at, holder: holder(&ticket) })]).await?;
        write.commit().await?;
        self.engine_wake.notify_one();
        Ok(Appended { ticket, events })
    }

    /// Runs one command on a ticket through the write path.
    ///
    /// `expected_version` is the version the caller saw, for field edits; a different current
    /// version refuses the command with a description of the changes made since. Messages and
    /// notes pass `None` and never conflict. `decide` is the pure domain rule that turns the
    /// current ticket into the events to append.
    pub async fn append(
        &self,
        ticket_id: i64,
        actor: &UserSummary,
        expected_version: Option<i64>,
        at: DateTime<Utc>,
        decide: impl FnOnce(&Ticket) -> Result<Vec<EventData>, CommandError>,
    ) -> Result<Appended, WriteError> {
        let mut write = self.begin_write().await?;
        let appended =
            self.append_in(&mut write, ticket_id, Some(actor.id), expected_version, at, decide).await?;
        write.commit().await?;
        Ok(appended)
    }

    /// The write path for a command that decides on the ticket's whole log (rating an escalation
    /// once): the ticket is locked first, so the log `decide` sees is the log the events follow.
    pub async fn append_deciding_on_log(
        &self,
        ticket_id: i64,
        actor: &UserSummary,
        at: DateTime<Utc>,
        decide: impl FnOnce(&Ticket, &[TicketEvent]) -> Result<Vec<EventData>, CommandError>,
    ) -> Result<Appended, WriteError> {
        let mut write = self.begin_write().await?;
        let locked =
            sqlx::query(&format!("SELECT id FROM tickets WHERE id = $1{}", self.backend().lock_for_write()))
                .bind(ticket_id)
                .fetch_optional(&mut *write.tx)
                .await?;
        if locked.is_none() {
            return Err(WriteError::NotFound);
        }
        let rows = sqlx::query(
            "SELECT e.id, e.ticket_id, e.sequence, e.actor_id, e.at, e.data FROM ticket_events e
             WHERE e.ticket_id = $1 ORDER BY e.sequence",
        )
        .bind(ticket_id)
        .fetch_all(&mut *write.tx)
        .await?;
        let log = rows.iter().map(event_from_row).collect::<StoreResult<Vec<_>>>()?;
        let appended = self
            .append_in(&mut write, ticket_id, Some(actor.id), None, at, |ticket| decide(ticket, &log))
            .await?;
        write.commit().await?;
        Ok(appended)
    }

    /// The write path inside a transaction the caller owns (the escalation engine adds its own
    /// rows to the same transaction). `actor_id` is `None` for Tierline itself.
    pub async fn append_in(
        &self,
        write: &mut WriteTx,
        ticket_id: i64,
        actor_id: Option<i64>,
        expected_version: Option<i64>,
        at: DateTime<Utc>,
        decide: impl FnOnce(&Ticket) -> Result<Vec<EventData>, CommandError>,
    ) -> Result<Appended, WriteError> {
        let row = sqlx::query(&format!(
            "SELECT {TICKET_COLUMNS}, t.last_sequence FROM tickets t WHERE t.id = $1{}",
            self.backend().lock_for_write()
        ))
        .bind(ticket_id)
        .fetch_optional(&mut *write.tx)
        .await?;
        let Some(row) = row else {
            return Err(WriteError::NotFound);
        };
        let mut ticket = ticket_from_row(&row)?;
        let last_sequence: i64 = row.try_get("last_sequence")?;
        if let Some(seen) = expected_version.filter(|seen| *seen != ticket.version) {
            return Err(WriteError::Conflict(self.describe_changes_since(write, ticket_id, seen).await?));
        }
        let data = decide(&ticket)?;
        if data.is_empty() {
            return Ok(Appended { ticket, events: Vec::new() });
        }
        let hold_changes: Vec<_> = apply_noting_holds(&mut ticket, &data, at)
            .into_iter()
            .map(|change| (ticket_id, change))
            .collect();
        let events = append_events(write, &ticket, last_sequence, actor_id, &data, at).await?;
        update_projections(write, vec![(&ticket, last_sequence + data.len() as i64)]).await?;
        super::holds::record_in(write, &hold_changes).await?;
        super::surveys::offer_or_withdraw_in(write, &ticket, &events, at).await?;
        Ok(Appended { ticket, events })
    }

    /// "Ada Lovelace changed the priority from Normal to High (2026-03-06 14:02 UTC)" for every
    /// field edit after version `seen`, each in the words of `domain::describe`.
    async fn describe_changes_since(
        &self,
        write: &mut WriteTx,
        ticket_id: i64,
        seen: i64,
    ) -> StoreResult<String> {
        let rows = sqlx::query(
            "SELECT e.id, e.ticket_id, e.sequence, e.actor_id, e.at, e.data, u.display_name
             FROM ticket_events e LEFT JOIN users u ON u.id = e.actor_id
             WHERE e.ticket_id = $1 AND e.version_after > $2 ORDER BY e.sequence",
        )
        .bind(ticket_id)
        .bind(seen)
        .fetch_all(&mut *write.tx)
        .await?;
        // Read only when there is a conflict to describe, inside the transaction (another
        // connection could be one the pool has none left of while writers queue on this ticket).
        let names = super::directory::directory_in(&mut write.tx).await?;
        let mut changes = Vec::new();
        for row in &rows {
            let event = event_from_row(row)?;
            if !event.data.changes_fields() {
                continue;
            }
            let who: Option<String> = row.try_get("display_name")?;
            let who = who.unwrap_or_else(|| "Tierline".into());
            changes.push(format!(
                "{} ({})",
                describe(&event.data, &who, &names),
                describe::instant(event.at)
            ));
        }
        Ok(format!(
            "Someone changed this ticket while you were editing it: {}. Nothing was saved; reload the ticket and make \
             your change again.",
            if changes.is_empty() { "its fields were updated".to_string() } else { changes.join("; ") }
        ))
    }

    pub async fn ticket(&self, id: i64) -> StoreResult<Option<Ticket>> {
        let row = sqlx::query(&format!("SELECT {TICKET_COLUMNS} FROM tickets t WHERE t.id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(ticket_from_row).transpose()
    }

    /// Several tickets and their whole logs (internal events included) in two queries: what the
    /// escalation engine reads for a batch of due tickets.
    pub async fn tickets_with_logs(&self, ids: &[i64]) -> StoreResult<Vec<(Ticket, Vec<TicketEvent>)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = super::id_list(ids.iter().copied());
        let tickets = self.tickets_by_ids(ids).await?;
        let events = sqlx::query(&format!(
            "SELECT e.id, e.ticket_id, e.sequence, e.actor_id, e.at, e.data FROM ticket_events e
             WHERE e.ticket_id IN ({list}) ORDER BY e.ticket_id, e.sequence"
        ))
        .fetch_all(self.pool())
        .await?;
        let mut logs: std::collections::HashMap<i64, Vec<TicketEvent>> = std::collections::HashMap::new();
        for row in &events {
            let event = event_from_row(row)?;
            logs.entry(event.ticket_id).or_default().push(event);
        }
        Ok(tickets
            .into_iter()
            .map(|ticket| {
                let log = logs.remove(&ticket.id).unwrap_or_default();
                (ticket, log)
            })
            .collect())
    }

    /// Events by id, in id order: what the notifier reads for the outbox rows it expands.
    pub async fn events_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<TicketEvent>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = super::id_list(ids.iter().copied());
        let rows = sqlx::query(&format!(
            "SELECT e.id, e.ticket_id, e.sequence, e.actor_id, e.at, e.data FROM ticket_events e
             WHERE e.id IN ({list}) ORDER BY e.id"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// Tickets by id (missing ids are left out).
    pub async fn tickets_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<Ticket>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = super::id_list(ids.iter().copied());
        let rows = sqlx::query(&format!("SELECT {TICKET_COLUMNS} FROM tickets t WHERE t.id IN ({list})"))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(ticket_from_row).collect()
    }

    /// The ticket's log in order, with actor names; internal events only when asked for.
    pub async fn timeline(&self, ticket_id: i64, include_internal: bool) -> StoreResult<Vec<TimelineEntry>> {
        let rows = sqlx::query(
            "SELECT e.id, e.ticket_id, e.sequence, e.actor_id, e.at, e.data, u.display_name
             FROM ticket_events e LEFT JOIN users u ON u.id = e.actor_id
             WHERE e.ticket_id = $1 AND (e.visibility = 'public' OR $2 = 1) ORDER BY e.sequence",
        )
        .bind(ticket_id)
        .bind(i64::from(include_internal))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(TimelineEntry { event: event_from_row(row)?, actor_name: row.try_get("display_name")? })
            })
            .collect()
    }

    pub async fn count_tickets(&self) -> StoreResult<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM tickets").fetch_one(self.pool()).await?.try_get("n")?)
    }

    /// The number of events in a ticket's log; used by tests to show nothing was written.
    pub async fn count_events(&self, ticket_id: i64) -> StoreResult<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM ticket_events WHERE ticket_id = $1")
            .bind(ticket_id)
            .fetch_one(self.pool())
            .await?
            .try_get("n")?)
    }

    /// Unprocessed outbox rows, oldest first: (topic, payload).
    pub async fn pending_outbox(&self, limit: i64) -> StoreResult<Vec<(String, String)>> {
        let rows =
            sqlx::query("SELECT topic, payload FROM outbox WHERE processed_at IS NULL ORDER BY id LIMIT $1")
                .bind(limit)
                .fetch_all(self.pool())
                .await?;
        rows.iter().map(|row| Ok((row.try_get("topic")?, row.try_get("payload")?))).collect()
    }
}

/// Appends `data` after `last_sequence` with one outbox row per event, in the caller's
/// transaction, and marks the ticket due for the engine; the caller writes the projection (and
/// with it the new last sequence). `ticket` is the projection after the events, so its version
/// is each event's `version_after`.
async fn append_events(
    write: &mut WriteTx,
    ticket: &Ticket,
    last_sequence: i64,
    actor_id: Option<i64>,
    data: &[EventData],
    at: DateTime<Utc>,
) -> StoreResult<Vec<TicketEvent>> {
    if data.is_empty() {
        return Ok(Vec::new());
    }
    let new = data
        .iter()
        .enumerate()
        .map(|(offset, event)| NewEvent {
            ticket_id: ticket.id,
            organisation_id: ticket.organisation_id,
            sequence: last_sequence + 1 + offset as i64,
            actor_id,
            version_after: ticket.version,
            at,
            data: event.clone(),
        })
        .collect();
    let events = insert_events(write, new).await?;
    // Any change may move a deadline: the engine looks at the ticket again at once.
    sqlx::query(
        "INSERT INTO ticket_schedule (ticket_id, due_at) VALUES ($1, $2)
         ON CONFLICT (ticket_id) DO UPDATE SET due_at =
             CASE WHEN excluded.due_at < ticket_schedule.due_at THEN excluded.due_at ELSE ticket_schedule.due_at END",
    )
    .bind(ticket.id)
    .bind(to_millis(at))
    .execute(&mut *write.tx)
    .await?;
    Ok(events)
}

/// Flags the tickets someone escalated by hand among `events` (see the `escalated_by_hand`
/// migration); the projection's rewrite leaves the flag alone.
async fn mark_escalated_by_hand(write: &mut WriteTx, events: &[NewEvent]) -> StoreResult<()> {
    for event in events {
        if matches!(event.data, EventData::Escalated { .. }) && event.actor_id.is_some() {
            sqlx::query("UPDATE tickets SET escalated_by_hand = 1 WHERE id = $1")
                .bind(event.ticket_id)
                .execute(&mut *write.tx)
                .await?;
        }
    }
    Ok(())
}

/// Rewrites the projection of each ticket — its fields after the events just appended — and the
/// sequence of its last event, in one statement for all of them.
pub(super) async fn update_projections(
    write: &mut WriteTx,
    projections: Vec<(&Ticket, i64)>,
) -> StoreResult<()> {
    // VALUES columns are named column1, column2, … on both databases.
    execute_rows(
        write,
        "UPDATE tickets SET category_id = v.column2, priority = v.column3, status = v.column4,
             tier_id = v.column5, group_id = v.column6, assignee_id = v.column7, tags = v.column8,
             version = v.column9, reopen_count = v.column10, escalation_level = v.column11,
             acknowledged_level = v.column12, updated_at = v.column13, last_sequence = v.column14,
             level_since = v.column15, first_replied_at = v.column16, resolved_at = v.column17
         FROM (VALUES ",
        ") AS v WHERE tickets.id = v.column1",
        17,
        projections,
        |query, (ticket, last_sequence)| {
            query
                .bind(ticket.id)
                .bind(ticket.category_id)
                .bind(ticket.priority.as_str())
                .bind(ticket.status.as_str())
                .bind(ticket.assignment.tier_id)
                .bind(ticket.assignment.group_id)
                .bind(ticket.assignment.assignee_id)
                .bind(ticket.tags.join(" "))
                .bind(ticket.version)
                .bind(ticket.reopen_count)
                .bind(ticket.escalation_level)
                .bind(ticket.acknowledged_level)
                .bind(to_millis(ticket.updated_at))
                .bind(last_sequence)
                .bind(to_millis(ticket.level_since))
                .bind(ticket.first_replied_at.map(to_millis))
                .bind(ticket.resolved_at.map(to_millis))
        },
    )
    .await?;
    Ok(())
}

/// An event about to be appended to a ticket's log, with what its row records.
pub(super) struct NewEvent {
    pub ticket_id: i64,
    pub organisation_id: i64,
    pub sequence: i64,
    pub actor_id: Option<i64>,
    pub version_after: i64,
    pub at: DateTime<Utc>,
    pub data: EventData,
}

/// Inserts events of one or more tickets and one outbox row per event — one statement for all
/// the events and one for all the outbox rows, however many tickets — and notes them for the
/// live streams. The caller keeps `tickets.last_sequence` and the projection in step. Returns the
/// events with their ids, in the given order.
pub(super) async fn insert_events(write: &mut WriteTx, new: Vec<NewEvent>) -> StoreResult<Vec<TicketEvent>> {
    let mut rows = Vec::with_capacity(new.len());
    for event in &new {
        let json =
            serde_json::to_string(&event.data).map_err(|error| StoreError::Corrupt(error.to_string()))?;
        rows.push((event, json));
    }
    let returned = execute_rows(
        write,
        "INSERT INTO ticket_events (ticket_id, sequence, kind, visibility, actor_id, data, version_after, at) VALUES ",
        " RETURNING id, ticket_id, sequence",
        8,
        rows,
        |query, (event, json)| {
            query
                .bind(event.ticket_id)
                .bind(event.sequence)
                .bind(event.data.kind())
                .bind(event.data.visibility().as_str())
                .bind(event.actor_id)
                .bind(json)
                .bind(event.version_after)
                .bind(to_millis(event.at))
        },
    )
    .await?;
    super::search::index_in(write, &new).await?;
    mark_escalated_by_hand(write, &new).await?;
    let mut ids = std::collections::HashMap::with_capacity(returned.len());
    for row in &returned {
        ids.insert(
            (row.try_get::<i64, _>("ticket_id")?, row.try_get::<i64, _>("sequence")?),
            row.try_get::<i64, _>("id")?,
        );
    }
    let mut events = Vec::with_capacity(new.len());
    for event in new {
        let id = *ids.get(&(event.ticket_id, event.sequence)).ok_or_else(|| {
            StoreError::Corrupt(format!(
                "event {} of ticket {} not inserted",
                event.sequence, event.ticket_id
            ))
        })?;
        write.record(Change {
            topic: Topic::Ticket,
            id,
            ticket_id: Some(event.ticket_id),
            organisation_id: Some(event.organisation_id),
            public: event.data.visibility() == Visibility::Public,
            user_id: None,
            kind: event.data.kind().to_string(),
        });
        events.push(TicketEvent {
            id,
            ticket_id: event.ticket_id,
            sequence: event.sequence,
            actor_id: event.actor_id,
            at: event.at,
            data: event.data,
        });
    }
    execute_rows(
        write,
        "INSERT INTO outbox (ticket_id, event_id, topic, payload, created_at) VALUES ",
        "",
        5,
        events.iter().collect(),
        |query, event| {
            let payload = serde_json::json!({
                "ticket_id": event.ticket_id,
                "event_id": event.id,
                "sequence": event.sequence,
                "kind": event.data.kind(),
                "visibility": event.data.visibility().as_str(),
                "actor_id": event.actor_id,
            });
            query
                .bind(event.ticket_id)
                .bind(event.id)
                .bind(format!("ticket.{}", event.data.kind()))
                .bind(payload.to_string())
                .bind(to_millis(event.at))
        },
    )
    .await?;
    Ok(events)
}
