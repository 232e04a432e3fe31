//! Tickets and their append-only event log.
//!
//! The event log is the record: every change to a ticket is an [`EventData`] appended to it, and
//! the [`Ticket`] row is a projection rebuilt by [`Ticket::apply`]. Commands are decided here as
//! pure functions from (ticket, actor, input) to the events they append; the store only persists
//! them. The escalation engine derives its clocks from the same log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::account::Role;
use super::clock::ClockKind;
use super::directory::Directory;
use super::ladder::{LadderContext, Move};
use super::validation::{self, FieldErrors};

named_enum! {
    /// How urgent a ticket is. Customers may suggest one; agents decide.
    Priority {
        Low => "low", "Low",
        Normal => "normal", "Normal",
        High => "high", "High",
        Urgent => "urgent", "Urgent",
    }
}

named_enum! {
    /// Where a ticket stands. `Pending` waits on the customer, `OnHold` on a third party.
    TicketStatus {
        New => "new", "New",
        Open => "open", "Open",
        Pending => "pending", "Pending (waiting on customer)",
        OnHold => "on_hold", "On hold (waiting on third party)",
        Resolved => "resolved", "Resolved",
        Closed => "closed", "Closed",
    }
}

named_enum! {
    /// How the ticket reached us.
    Channel {
        Portal => "portal", "Portal",
        Email => "email", "E-mail",
        Phone => "phone", "Phone",
        Api => "api", "API",
    }
}

named_enum! {
    /// Who may read an event: customers see only public ones.
    Visibility {
        Public => "public", "Public",
        Internal => "internal", "Internal",
    }
}

impl TicketStatus {
    /// Resolved and closed tickets are no longer being worked.
    pub fn is_done(self) -> bool {
        matches!(self, TicketStatus::Resolved | TicketStatus::Closed)
    }
}

/// Where a ticket sits in the support organisation: tier, group inside it, and agent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub tier_id: Option<i64>,
    pub group_id: Option<i64>,
    pub assignee_id: Option<i64>,
}

/// The projection of a ticket's event log: its current facts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: i64,
    pub subject: String,
    pub description: String,
    pub requester_id: i64,
    pub organisation_id: i64,
    pub category_id: Option<i64>,
    pub priority: Priority,
    pub channel: Channel,
    pub status: TicketStatus,
    pub assignment: Assignment,
    pub tags: Vec<String>,
    /// Counts changes of the ticket's fields; a field edit must name the version it was based on.
    /// Messages and notes never conflict and do not bump it.
    pub version: i64,
    pub reopen_count: i64,
    /// The ladder level of the escalation policy the ticket is at: 1 on arrival.
    pub escalation_level: i64,
    /// The ladder level whose escalation a member of staff acknowledged: repeat notifications
    /// about that level stop (the ladder itself goes on).
    pub acknowledged_level: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What happened to a ticket. Stored as JSON tagged by `kind` in the event log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventData {
    Created {
        subject: String,
        description: String,
        priority: Priority,
        channel: Channel,
        category_id: Option<i64>,
    },
    CustomerMessage {
        body: String,
    },
    PublicReply {
        body: String,
    },
    InternalNote {
        body: String,
    },
    StatusChanged {
        from: TicketStatus,
        to: TicketStatus,
    },
    PriorityChanged {
        from: Priority,
        to: Priority,
    },
    CategoryChanged {
        from: Option<i64>,
        to: Option<i64>,
    },
    TagsChanged {
        added: Vec<String>,
        removed: Vec<String>,
    },
    /// A move inside the tier holding the ticket (another group or agent), or the first placement
    /// of a ticket no tier held.
    AssignmentChanged {
        from: Assignment,
        to: Assignment,
        /// The ladder level of `to` (see `domain::ladder`); absent in events written before levels
        /// followed the holder.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        level: Option<i64>,
    },
    /// The ticket moved up (or across) the support organisation: by an agent with a handoff
    /// note, or by the escalation engine with the reason it fired.
    Escalated {
        from: Assignment,
        to: Assignment,
        /// The ladder level the ticket is at afterwards, when the move follows the policy's ladder.
        level: Option<i64>,
        /// Present when an agent escalated by hand.
        handoff: Option<Handoff>,
        /// Why it happened, in a sentence ("L1 budget of 2h used up", "Escalated by hand").
        reason: String,
    },
    /// Staff handed the ticket back to a tier ranked lower than the one holding it.
    Deescalated {
        from: Assignment,
        to: Assignment,
        /// The ladder level of `to`.
        level: i64,
        /// Why, in a sentence ("Workaround in place; L2 follows up with the customer").
        reason: String,
    },
    /// The escalation engine reminded about a clock at a fraction of its target.
    ClockReminder {
        clock: ClockKind,
        cycle: u32,
        /// The fraction of the target, in percent (75 for a reminder at 0.75).
        percent: u32,
        /// When the threshold was reached; the event may be written later, after downtime.
        due_at: DateTime<Utc>,
        /// Written on catching up rather than at the threshold's instant.
        late: bool,
    },
    /// The tier holding the ticket owed the customer a public update by `due_at` and gave none.
    CheckpointMissed {
        tier_id: Option<i64>,
        due_at: DateTime<Utc>,
        late: bool,
    },
    /// A clock ran past its target.
    ClockBreached {
        clock: ClockKind,
        cycle: u32,
        due_at: DateTime<Utc>,
        late: bool,
    },
    /// Someone took note of the escalation at `level`: no more reminders about it.
    EscalationAcknowledged {
        level: i64,
    },
}

/// What an agent hands to the next tier, so it never has to ask again.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handoff {
    /// What the ticket is about, in a few sentences.
    pub summary: String,
    /// What was tried already, and with what result.
    pub tried: String,
    /// How the customer is affected.
    pub impact: String,
    /// What the next tier is asked to do.
    pub ask: String,
}

impl Handoff {
    /// Each part of a handoff is required: a missing part is exactly what the next tier would
    /// otherwise have to ask about.
    pub fn validate(&self) -> Result<Handoff, FieldErrors> {
        let mut errors = FieldErrors::default();
        let summary = validation::text(&mut errors, "summary", "The summary", &self.summary, 10, 4000);
        let tried = validation::text(&mut errors, "tried", "What was tried", &self.tried, 10, 4000);
        let impact = validation::text(&mut errors, "impact", "The customer impact", &self.impact, 5, 2000);
        let ask = validation::text(&mut errors, "ask", "What the next tier should do", &self.ask, 5, 2000);
        errors.into_result(Handoff { summary, tried, impact, ask })
    }
}

impl EventData {
    /// The kind as stored in its own column, so the log can be filtered without parsing JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            EventData::Created { .. } => "created",
            EventData::CustomerMessage { .. } => "customer_message",
            EventData::PublicReply { .. } => "public_reply",
            EventData::InternalNote { .. } => "internal_note",
            EventData::StatusChanged { .. } => "status_changed",
            EventData::PriorityChanged { .. } => "priority_changed",
            EventData::CategoryChanged { .. } => "category_changed",
            EventData::TagsChanged { .. } => "tags_changed",
            EventData::AssignmentChanged { .. } => "assignment_changed",
            EventData::Escalated { .. } => "escalated",
            EventData::Deescalated { .. } => "deescalated",
            EventData::ClockReminder { .. } => "clock_reminder",
            EventData::ClockBreached { .. } => "clock_breached",
            EventData::CheckpointMissed { .. } => "checkpoint_missed",
            EventData::EscalationAcknowledged { .. } => "escalation_acknowledged",
        }
    }

    /// Customers see the conversation and the status; notes and internal routing stay inside.
    pub fn visibility(&self) -> Visibility {
        match self {
            EventData::Created { .. }
            | EventData::CustomerMessage { .. }
            | EventData::PublicReply { .. }
            | EventData::StatusChanged { .. } => Visibility::Public,
            _ => Visibility::Internal,
        }
    }

    /// Whether the event changes one of the ticket's fields (and so its version).
    pub fn changes_fields(&self) -> bool {
        !matches!(
            self,
            EventData::Created { .. }
                | EventData::CustomerMessage { .. }
                | EventData::PublicReply { .. }
                | EventData::InternalNote { .. }
                | EventData::ClockReminder { .. }
                | EventData::ClockBreached { .. }
                | EventData::CheckpointMissed { .. }
                | EventData::EscalationAcknowledged { .. }
        )
    }
}

/// One entry of a ticket's log as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketEvent {
    pub id: i64,
    pub ticket_id: i64,
    /// Position in this ticket's log, from 1, without gaps.
    pub sequence: i64,
    pub actor_id: Option<i64>,
    pub at: DateTime<Utc>,
    pub data: EventData,
}

/// A new ticket as typed in the portal, the agent form or the API, before validation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTicketInput {
    pub subject: String,
    pub description: String,
    /// Empty for "not sure"; otherwise a category id.
    #[serde(default)]
    pub category_id: Option<i64>,
    /// Empty means normal.
    #[serde(default)]
    pub priority: String,
}

/// A validated new ticket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTicket {
    pub subject: String,
    pub description: String,
    pub category_id: Option<i64>,
    pub priority: Priority,
}

pub const SUBJECT_MAX: usize = 200;
pub const BODY_MAX: usize = 20_000;

impl NewTicketInput {
    pub fn validate(&self) -> Result<NewTicket, FieldErrors> {
        let mut errors = FieldErrors::default();
        let subject = validation::text(&mut errors, "subject", "Subject", &self.subject, 3, SUBJECT_MAX);
        let description =
            validation::text(&mut errors, "description", "Description", &self.description, 1, BODY_MAX);
        let priority = parse_priority(&mut errors, "priority", &self.priority);
        errors.into_result(NewTicket { subject, description, category_id: self.category_id, priority })
    }
}

fn parse_priority(errors: &mut FieldErrors, field: &str, value: &str) -> Priority {
    if value.trim().is_empty() {
        return Priority::Normal;
    }
    Priority::parse(value.trim()).unwrap_or_else(|| {
        errors.push(field, format!("\"{value}\" is not a priority; use low, normal, high or urgent."));
        Priority::Normal
    })
}

/// Validates a message or note body.
pub fn validate_body(field: &str, body: &str) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::default();
    let body = validation::text(&mut errors, field, "The message", body, 1, BODY_MAX);
    errors.into_result(body)
}

/// Normalises a comma- or space-separated tag list: lowercase, unique, sorted.
pub fn parse_tags(field: &str, value: &str) -> Result<Vec<String>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut tags: Vec<String> = value
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|part| !part.is_empty())
        .map(|part| validation::slug(&mut errors, field, "A tag", part))
        .collect();
    tags.sort();
    tags.dedup();
    if tags.len() > 20 {
        errors.push(field, "A ticket may carry at most 20 tags.");
    }
    errors.into_result(tags)
}

/// The event that opens a ticket.
pub fn open(ticket: &NewTicket, channel: Channel) -> EventData {
    EventData::Created {
        subject: ticket.subject.clone(),
        description: ticket.description.clone(),
        priority: ticket.priority,
        channel,
        category_id: ticket.category_id,
    }
}

/// Why a command on a ticket was refused, for reasons that are not a wrong field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error("This ticket is closed; open a new ticket instead.")]
    Closed,
    #[error("Only support staff may do this.")]
    StaffOnly,
}

impl From<FieldErrors> for CommandError {
    fn from(errors: FieldErrors) -> Self {
        CommandError::Invalid(errors)
    }
}

/// A message on the ticket: a customer's message, an agent's public reply, or an internal note.
/// Returns the events to append. Writing never conflicts with other edits, but it moves the
/// status where a help desk is expected to: a customer writing on a pending or resolved ticket
/// puts it back to open (reopening a resolved one), and the first public reply to a new ticket
/// opens it.
pub fn write_message(
    ticket: &Ticket,
    author_role: Role,
    visibility: Visibility,
    body: &str,
) -> Result<Vec<EventData>, CommandError> {
    let body = validate_body("body", body)?;
    if ticket.status == TicketStatus::Closed {
        return Err(CommandError::Closed);
    }
    let mut events = Vec::new();
    if !author_role.is_staff() {
        events.push(EventData::CustomerMessage { body });
        // A reply while on hold does not resume: the ticket still waits on the third party.
        if matches!(ticket.status, TicketStatus::Pending | TicketStatus::Resolved) {
            events.push(EventData::StatusChanged { from: ticket.status, to: TicketStatus::Open });
        }
        return Ok(events);
    }
    match visibility {
        Visibility::Internal => events.push(EventData::InternalNote { body }),
        Visibility::Public => {
            events.push(EventData::PublicReply { body });
            if ticket.status == TicketStatus::New {
                events.push(EventData::StatusChanged { from: TicketStatus::New, to: TicketStatus::Open });
            }
        }
    }
    Ok(events)
}

/// The field changes of one edit; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketChanges {
    pub status: Option<TicketStatus>,
    pub priority: Option<Priority>,
    pub category_id: Option<Option<i64>>,
    pub tags: Option<Vec<String>>,
    pub assignment: Option<Assignment>,
    /// Why the ticket goes back to a lower tier; required for exactly that move.
    pub deescalation_reason: Option<String>,
}

/// Decides the events of a field edit by staff. Only real differences become events, so
/// submitting an unchanged form appends nothing and keeps the version. A change of holder follows
/// the ladder's rules for moves ([`super::ladder`]): inside the tier it is a plain assignment, to
/// a lower tier a de-escalation with its reason, and to a higher tier it is refused here because
/// it is an escalation, which needs a handoff note ([`escalate`]).
pub fn change(
    ticket: &Ticket,
    role: Role,
    ladder: &LadderContext<'_>,
    changes: &TicketChanges,
) -> Result<Vec<EventData>, CommandError> {
    if !role.is_staff() {
        return Err(CommandError::StaffOnly);
    }
    let mut errors = FieldErrors::default();
    let mut events = Vec::new();
    if let Some(to) = changes.status.filter(|to| *to != ticket.status) {
        if let Some(message) = status_change_refusal(ticket.status, to) {
            errors.push("status", message);
        } else {
            events.push(EventData::StatusChanged { from: ticket.status, to });
        }
    }
    if ticket.status == TicketStatus::Closed && changes.status.is_none_or(|to| to == TicketStatus::Closed) {
        let other_change = changes.priority.is_some_and(|p| p != ticket.priority)
            || changes.category_id.is_some_and(|c| c != ticket.category_id)
            || changes.tags.as_ref().is_some_and(|t| *t != ticket.tags)
            || changes.assignment.is_some_and(|a| a != ticket.assignment);
        if other_change {
            return Err(CommandError::Closed);
        }
    }
    if let Some(to) = changes.priority.filter(|to| *to != ticket.priority) {
        events.push(EventData::PriorityChanged { from: ticket.priority, to });
    }
    if let Some(to) = changes.category_id.filter(|to| *to != ticket.category_id) {
        events.push(EventData::CategoryChanged { from: ticket.category_id, to });
    }
    if let Some(tags) = &changes.tags {
        let added: Vec<String> = tags.iter().filter(|t| !ticket.tags.contains(t)).cloned().collect();
        let removed: Vec<String> = ticket.tags.iter().filter(|t| !tags.contains(t)).cloned().collect();
        if !added.is_empty() || !removed.is_empty() {
            events.push(EventData::TagsChanged { added, removed });
        }
    }
    let reason = changes.deescalation_reason.as_deref().map(str::trim).filter(|reason| !reason.is_empty());
    let to = changes.assignment.unwrap_or(ticket.assignment);
    if to.assignee_id.is_some() && to.group_id.is_none() {
        errors.push("assignee", "Choose the group the agent works in, or leave the agent empty.");
    }
    if to.group_id.is_some() && to.tier_id.is_none() {
        errors.push("group", "Choose the tier the group belongs to.");
    }
    let from = ticket.assignment;
    let level = ladder.place(to).level;
    match ladder.classify(from, to) {
        Move::None => {
            if reason.is_some() {
                errors.push(
                    "deescalation_reason",
                    "A reason is only asked for when the ticket goes to a lower tier.",
                );
            }
        }
        Move::WithinTier => {
            if reason.is_some() {
                errors.push(
                    "deescalation_reason",
                    "A reason is only asked for when the ticket goes to a lower tier.",
                );
            }
            events.push(EventData::AssignmentChanged { from, to, level: Some(level) });
        }
        Move::Escalation => errors.push(
            "tier",
            format!(
                "Moving the ticket to {} is an escalation: use \"Escalate\" and write the handoff note.",
                ladder.tier_name(to.tier_id)
            ),
        ),
        Move::Deescalation => match reason {
            None => errors.push(
                "deescalation_reason",
                format!("Say in a sentence why the ticket goes back to {}.", ladder.tier_name(to.tier_id)),
            ),
            Some(reason) => {
                let reason =
                    validation::text(&mut errors, "deescalation_reason", "The reason", reason, 5, 1000);
                events.push(EventData::Deescalated { from, to, level, reason });
            }
        },
    }
    if !errors.is_empty() {
        return Err(CommandError::Invalid(errors));
    }
    Ok(events)
}

/// Why staff may not move a ticket from `from` to `to`, if they may not.
fn status_change_refusal(from: TicketStatus, to: TicketStatus) -> Option<&'static str> {
    match (from, to) {
        (_, TicketStatus::New) => Some("A ticket cannot go back to new."),
        (TicketStatus::Closed, _) => Some("A closed ticket cannot change; open a new ticket instead."),
        (status, TicketStatus::Closed) if status != TicketStatus::Resolved => {
            Some("Resolve the ticket before closing it.")
        }
        _ => None,
    }
}

/// A manual escalation: staff move the ticket to a tier ranked higher (or another tier of the same
/// rank) with a handoff note. The ticket takes the ladder level of the tier or group it goes to,
/// exactly as if the ladder had moved it there.
pub fn escalate(
    ticket: &Ticket,
    role: Role,
    ladder: &LadderContext<'_>,
    to: Assignment,
    handoff: &Handoff,
) -> Result<Vec<EventData>, CommandError> {
    if !role.is_staff() {
        return Err(CommandError::StaffOnly);
    }
    if ticket.status.is_done() {
        return Err(CommandError::Invalid(FieldErrors(vec![super::FieldError::new(
            "tier",
            "A resolved or closed ticket is not escalated; reopen it first.",
        )])));
    }
    let mut errors = match handoff.validate() {
        Ok(_) => FieldErrors::default(),
        Err(errors) => errors,
    };
    if to.tier_id.is_none() {
        errors.push("tier", "Choose the tier that takes the ticket over.");
    } else {
        match ladder.classify(ticket.assignment, to) {
            Move::Escalation => {}
            // A ticket no tier holds yet may be sent anywhere, with a handoff if staff write one.
            Move::WithinTier if ticket.assignment.tier_id.is_none() => {}
            Move::None | Move::WithinTier => errors.push(
                "tier",
                "The ticket is already in this tier; change its group or agent in the ticket's fields, or choose a \
                 higher tier.",
            ),
            Move::Deescalation => errors.push(
                "tier",
                format!(
                    "{} is ranked below the tier holding the ticket; hand the ticket back from the ticket's fields, \
                     with a reason.",
                    ladder.tier_name(to.tier_id)
                ),
            ),
        }
    }
    if to.assignee_id.is_some() && to.group_id.is_none() {
        errors.push("assignee", "Choose the group the agent works in, or leave the agent empty.");
    }
    if !errors.is_empty() {
        return Err(CommandError::Invalid(errors));
    }
    let handoff = handoff.validate()?;
    Ok(vec![EventData::Escalated {
        from: ticket.assignment,
        to,
        level: Some(ladder.place(to).level),
        handoff: Some(handoff),
        reason: "Escalated by hand".to_string(),
    }])
}

/// Whether a ticket has been escalated: it sits above the first level of the ladder.
pub fn is_escalated(ticket: &Ticket) -> bool {
    ticket.escalation_level > 1
}

/// Staff of the holding tier or group (its members and leads), managers and admins take note of
/// the ticket's current escalation level, which stops repeat reminders about that level (never a
/// first breach, nor the ladder). Only an escalated ticket has an escalation to acknowledge, and
/// acknowledging twice is refused so the timeline says who took it first.
pub fn acknowledge(
    ticket: &Ticket,
    person_id: i64,
    role: Role,
    directory: &Directory,
) -> Result<Vec<EventData>, CommandError> {
    if !role.is_staff() {
        return Err(CommandError::StaffOnly);
    }
    let refusal = if ticket.status.is_done() {
        Some("A resolved or closed ticket has no escalation to acknowledge.")
    } else if !is_escalated(ticket) {
        Some("This ticket has not been escalated; there is nothing to acknowledge.")
    } else if ticket.acknowledged_level == Some(ticket.escalation_level) {
        Some("This escalation level is acknowledged already.")
    } else if !may_acknowledge(directory, person_id, role, ticket.assignment) {
        Some("Only the tier or group holding the ticket, its lead or a manager may acknowledge its escalation.")
    } else {
        None
    };
    match refusal {
        Some(message) => {
            Err(CommandError::Invalid(FieldErrors(vec![super::FieldError::new("level", message)])))
        }
        None => Ok(vec![EventData::EscalationAcknowledged { level: ticket.escalation_level }]),
    }
}

/// Whether `person_id` may acknowledge the escalation of a ticket held by `holding`: managers and
/// admins always; otherwise the lead of the holding tier, and the members and lead of the holding
/// group (of any group of the tier, when no group holds it).
pub fn may_acknowledge(directory: &Directory, person_id: i64, role: Role, holding: Assignment) -> bool {
    if role.oversees_every_tier() {
        return true;
    }
    let Some(tier_id) = holding.tier_id else {
        return false;
    };
    let leads_tier = directory.tiers.iter().any(|tier| tier.id == tier_id && tier.lead_id == Some(person_id));
    leads_tier
        || directory
            .groups
            .iter()
            .filter(|group| group.tier_id == tier_id && holding.group_id.is_none_or(|id| id == group.id))
            .any(|group| group.lead_id == Some(person_id) || group.member_ids.contains(&person_id))
}

/// Whether a customer may reopen this ticket from the portal.
pub fn customer_may_reopen(ticket: &Ticket) -> bool {
    ticket.status == TicketStatus::Resolved
}

impl Ticket {
    /// The projection of a `Created` event.
    pub fn from_created(
        id: i64,
        requester_id: i64,
        organisation_id: i64,
        at: DateTime<Utc>,
        created: &EventData,
    ) -> Option<Ticket> {
        let EventData::Created { subject, description, priority, channel, category_id } = created else {
            return None;
        };
        Some(Ticket {
            id,
            subject: subject.clone(),
            description: description.clone(),
            requester_id,
            organisation_id,
            category_id: *category_id,
            priority: *priority,
            channel: *channel,
            status: TicketStatus::New,
            assignment: Assignment::default(),
            tags: Vec::new(),
            version: 1,
            reopen_count: 0,
            escalation_level: 1,
            acknowledged_level: None,
            created_at: at,
            updated_at: at,
        })
    }

    /// Folds one event into the projection.
    pub fn apply(&mut self, event: &EventData, at: DateTime<Utc>) {
        match event {
            EventData::Created { .. }
            | EventData::CustomerMessage { .. }
            | EventData::PublicReply { .. }
            | EventData::InternalNote { .. }
            | EventData::ClockReminder { .. }
            | EventData::ClockBreached { .. }
            | EventData::CheckpointMissed { .. } => {}
            EventData::EscalationAcknowledged { level } => self.acknowledged_level = Some(*level),
            EventData::StatusChanged { from, to } => {
                if *from == TicketStatus::Resolved && !to.is_done() {
                    self.reopen_count += 1;
                }
                self.status = *to;
            }
            EventData::PriorityChanged { to, .. } => self.priority = *to,
            EventData::CategoryChanged { to, .. } => self.category_id = *to,
            EventData::TagsChanged { added, removed } => {
                self.tags.retain(|tag| !removed.contains(tag));
                self.tags.extend(added.iter().cloned());
                self.tags.sort();
                self.tags.dedup();
            }
            EventData::AssignmentChanged { to, level, .. } | EventData::Escalated { to, level, .. } => {
                self.assignment = *to;
                if let Some(level) = level {
                    self.move_to_level(*level);
                }
            }
            EventData::Deescalated { to, level, .. } => {
                self.assignment = *to;
                self.move_to_level(*level);
            }
        }
        self.updated_at = at;
    }

    /// An acknowledgement belongs to the level it was given at: a ticket that changes level has
    /// an escalation nobody has acknowledged yet.
    fn move_to_level(&mut self, level: i64) {
        if level != self.escalation_level {
            self.acknowledged_level = None;
        }
        self.escalation_level = level;
    }

    /// Applies a batch appended by one command: the version grows by one if any field changed.
    pub fn apply_all(&mut self, events: &[EventData], at: DateTime<Utc>) {
        for event in events {
            self.apply(event, at);
        }
        if events.iter().any(EventData::changes_fields) {
            self.version += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{assignment, demo_directory, handoff, policy_from_toml, DemoIds, EventLog};
    use chrono::TimeZone;

    fn ladder_policy() -> super::super::policy::Policy {
        policy_from_toml(
            "[[ladder]]\nholder = \"L1 Service Desk\"\n[[ladder]]\nholder = \"L2 Specialists\"\n\
             [[ladder]]\nholder = \"L3 Engineering\"\n",
        )
    }

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 9, minute, 0).single().expect("valid test instant")
    }

    fn new_ticket() -> Ticket {
        let input = NewTicketInput {
            subject: "VPN drops every hour".into(),
            description: "Since Monday".into(),
            category_id: Some(3),
            priority: "high".into(),
        };
        let created = open(&input.validate().expect("valid input"), Channel::Portal);
        Ticket::from_created(1, 10, 20, at(0), &created).expect("created event")
    }

    #[test]
    fn a_new_ticket_starts_new_at_version_one() {
        let ticket = new_ticket();
        assert_eq!(ticket.status, TicketStatus::New);
        assert_eq!(ticket.priority, Priority::High);
        assert_eq!(ticket.version, 1);
    }

    #[test]
    fn invalid_new_ticket_names_every_wrong_field() {
        let input = NewTicketInput {
            subject: "a".into(),
            description: " ".into(),
            category_id: None,
            priority: "asap".into(),
        };
        let errors = input.validate().expect_err("invalid input");
        assert!(errors.for_field("subject").is_some());
        assert!(errors.for_field("description").is_some());
        assert!(errors.for_field("priority").unwrap_or_default().contains("asap"));
    }

    #[test]
    fn the_first_public_reply_opens_a_new_ticket_but_a_note_does_not() {
        let ticket = new_ticket();
        let note = write_message(&ticket, Role::Agent, Visibility::Internal, "checking logs").expect("note");
        assert_eq!(note, vec![EventData::InternalNote { body: "checking logs".into() }]);
        let reply = write_message(&ticket, Role::Agent, Visibility::Public, "On it").expect("reply");
        assert_eq!(reply[1], EventData::StatusChanged { from: TicketStatus::New, to: TicketStatus::Open });
    }

    #[test]
    fn a_customer_message_is_never_internal_and_reopens_a_resolved_ticket() {
        let mut ticket = new_ticket();
        ticket.apply_all(
            &[EventData::StatusChanged { from: TicketStatus::New, to: TicketStatus::Resolved }],
            at(5),
        );
        let events =
            write_message(&ticket, Role::Customer, Visibility::Internal, "still broken").expect("message");
        assert_eq!(events[0], EventData::CustomerMessage { body: "still broken".into() });
        ticket.apply_all(&events, at(6));
        assert_eq!(ticket.status, TicketStatus::Open);
        assert_eq!(ticket.reopen_count, 1);
    }

    #[test]
    fn a_customer_reply_on_hold_keeps_the_ticket_on_hold() {
        let mut ticket = new_ticket();
        ticket.apply_all(
            &[EventData::StatusChanged { from: TicketStatus::New, to: TicketStatus::OnHold }],
            at(5),
        );
        let events =
            write_message(&ticket, Role::Customer, Visibility::Public, "any news?").expect("message");
        assert_eq!(events.len(), 1);
    }

    #[test]
    fn nothing_can_be_written_on_a_closed_ticket() {
        let mut ticket = new_ticket();
        ticket.status = TicketStatus::Closed;
        assert_eq!(
            write_message(&ticket, Role::Customer, Visibility::Public, "hello"),
            Err(CommandError::Closed)
        );
    }

    #[test]
    fn an_unchanged_form_appends_nothing_and_keeps_the_version() {
        let mut ticket = new_ticket();
        let changes = TicketChanges {
            status: Some(TicketStatus::New),
            priority: Some(Priority::High),
            ..Default::default()
        };
        let events = change(&ticket, Role::Agent, &LadderContext::without_organisation(), &changes)
            .expect("no-op edit");
        assert!(events.is_empty());
        ticket.apply_all(&events, at(1));
        assert_eq!(ticket.version, 1);
    }

    #[test]
    fn one_edit_bumps_the_version_once_whatever_it_changes() {
        let mut ticket = new_ticket();
        let changes = TicketChanges {
            status: Some(TicketStatus::Open),
            priority: Some(Priority::Urgent),
            tags: Some(vec!["vpn".into()]),
            ..Default::default()
        };
        let events =
            change(&ticket, Role::Agent, &LadderContext::without_organisation(), &changes).expect("edit");
        assert_eq!(events.len(), 3);
        ticket.apply_all(&events, at(1));
        assert_eq!(ticket.version, 2);
        assert_eq!(ticket.priority, Priority::Urgent);
        assert_eq!(ticket.tags, vec!["vpn".to_string()]);
    }

    #[test]
    fn customers_cannot_edit_fields_and_closing_needs_resolving_first() {
        let ticket = new_ticket();
        let close = TicketChanges { status: Some(TicketStatus::Closed), ..Default::default() };
        assert_eq!(
            change(&ticket, Role::Customer, &LadderContext::without_organisation(), &close),
            Err(CommandError::StaffOnly)
        );
        let Err(CommandError::Invalid(errors)) =
            change(&ticket, Role::Agent, &LadderContext::without_organisation(), &close)
        else {
            panic!("closing an unresolved ticket must be refused");
        };
        assert_eq!(errors.for_field("status"), Some("Resolve the ticket before closing it."));
    }

    #[test]
    fn an_agent_needs_a_group_and_a_group_needs_a_tier() {
        let ticket = new_ticket();
        let changes = TicketChanges {
            assignment: Some(Assignment { tier_id: None, group_id: Some(2), assignee_id: Some(3) }),
            ..Default::default()
        };
        let Err(CommandError::Invalid(errors)) =
            change(&ticket, Role::Agent, &LadderContext::without_organisation(), &changes)
        else {
            panic!("an inconsistent assignment must be refused");
        };
        assert!(errors.for_field("group").is_some());
    }

    #[test]
    fn a_manual_escalation_needs_every_part_of_the_handoff_and_takes_the_level_of_where_it_goes() {
        let (directory, policy, ids) = (demo_directory(), ladder_policy(), DemoIds::default());
        let ladder = LadderContext { policy: Some(&policy), directory: &directory };
        let ticket = EventLog::created(Priority::High, at(0))
            .routed(at(1), assignment(ids.l1, Some(ids.service_desk), Some(ids.sam)), 1)
            .ticket;
        let to = assignment(ids.l3, Some(ids.security), None);
        let thin = Handoff { summary: "VPN".into(), ..Handoff::default() };
        let Err(CommandError::Invalid(errors)) = escalate(&ticket, Role::Agent, &ladder, to, &thin) else {
            panic!("a thin handoff must be refused");
        };
        for field in ["summary", "tried", "impact", "ask"] {
            assert!(errors.for_field(field).is_some(), "{field} should be required");
        }
        let events = escalate(&ticket, Role::Agent, &ladder, to, &handoff()).expect("escalation");
        let mut moved = ticket.clone();
        moved.apply_all(&events, at(9));
        assert_eq!(moved.assignment, to);
        assert_eq!(moved.escalation_level, 3, "L1 to L3 by hand is level 3, as the ladder would have it");
        assert_eq!(moved.version, ticket.version + 1);
        assert_eq!(events[0].visibility(), Visibility::Internal);
        assert_eq!(escalate(&moved, Role::Customer, &ladder, to, &handoff()), Err(CommandError::StaffOnly));
    }

    #[test]
    fn escalating_by_hand_goes_up_and_handing_back_needs_a_reason() {
        let (directory, policy, ids) = (demo_directory(), ladder_policy(), DemoIds::default());
        let ladder = LadderContext { policy: Some(&policy), directory: &directory };
        let at_l2 =
            EventLog::created(Priority::High, at(0)).routed(at(1), assignment(ids.l2, None, None), 2).ticket;
        let refused_field = |result: Result<Vec<EventData>, CommandError>, field: &str| match result {
            Err(CommandError::Invalid(errors)) => errors.for_field(field).map(str::to_string),
            other => panic!("expected a refusal of {field}, got {other:?}"),
        };
        // Escalating sideways inside the tier, or down, is not an escalation.
        let inside = assignment(ids.l2, Some(ids.network), None);
        assert!(refused_field(escalate(&at_l2, Role::Agent, &ladder, inside, &handoff()), "tier")
            .is_some_and(|message| message.contains("already in this tier")));
        let down = assignment(ids.l1, None, None);
        assert!(refused_field(escalate(&at_l2, Role::Agent, &ladder, down, &handoff()), "tier")
            .is_some_and(|message| message.contains("ranked below")));

        // The edit form: inside the tier a plain assignment, up refused, down only with a reason.
        let edit = |to: Assignment, reason: Option<&str>| TicketChanges {
            assignment: Some(to),
            deescalation_reason: reason.map(str::to_string),
            ..Default::default()
        };
        assert_eq!(
            change(&at_l2, Role::Agent, &ladder, &edit(inside, None)),
            Ok(vec![EventData::AssignmentChanged { from: at_l2.assignment, to: inside, level: Some(2) }])
        );
        let up = assignment(ids.l3, None, None);
        assert!(refused_field(change(&at_l2, Role::Agent, &ladder, &edit(up, None)), "tier")
            .is_some_and(|message| message.contains("is an escalation")));
        assert!(refused_field(
            change(&at_l2, Role::Agent, &ladder, &edit(down, None)),
            "deescalation_reason"
        )
        .is_some_and(|message| message.contains("L1 Service Desk")));
        let events =
            change(&at_l2, Role::Agent, &ladder, &edit(down, Some("Workaround in place; L1 follows up.")))
                .expect("a de-escalation with its reason");
        let mut back = at_l2.clone();
        back.apply_all(&events, at(5));
        assert_eq!(back.escalation_level, 1);
        assert_eq!(back.assignment, down);
        assert!(matches!(&events[..], [EventData::Deescalated { level: 1, .. }]));
    }

    #[test]
    fn only_an_escalated_ticket_is_acknowledged_by_its_holders_once_per_level() {
        let (directory, policy, ids) = (demo_directory(), ladder_policy(), DemoIds::default());
        let ladder = LadderContext { policy: Some(&policy), directory: &directory };
        let at_l1 = EventLog::created(Priority::High, at(0))
            .routed(at(1), assignment(ids.l1, Some(ids.service_desk), None), 1)
            .ticket;
        assert!(
            acknowledge(&at_l1, ids.sam, Role::Agent, &directory).is_err(),
            "level 1 is not an escalation"
        );

        let to_network = assignment(ids.l2, Some(ids.network), None);
        let escalated = escalate(&at_l1, Role::Agent, &ladder, to_network, &handoff()).expect("escalation");
        let mut ticket = at_l1.clone();
        ticket.apply_all(&escalated, at(2));
        assert_eq!(acknowledge(&ticket, ids.nina, Role::Customer, &directory), Err(CommandError::StaffOnly));
        assert!(
            acknowledge(&ticket, ids.sam, Role::Agent, &directory).is_err(),
            "L1's agent does not hold it"
        );
        assert!(acknowledge(&ticket, ids.eve, Role::Agent, &directory).is_err(), "nor does L3's");
        assert!(acknowledge(&ticket, ids.omar, Role::Lead, &directory).is_ok(), "L2's lead may");
        assert!(acknowledge(&ticket, 999, Role::Manager, &directory).is_ok(), "a manager may");
        let events =
            acknowledge(&ticket, ids.nina, Role::Agent, &directory).expect("the holding group's agent");
        assert_eq!(events, vec![EventData::EscalationAcknowledged { level: 2 }]);
        let mut acknowledged = ticket.clone();
        acknowledged.apply_all(&events, at(9));
        assert_eq!(acknowledged.acknowledged_level, Some(2));
        assert_eq!(acknowledged.version, ticket.version, "an acknowledgement never conflicts with edits");
        assert!(
            acknowledge(&acknowledged, ids.omar, Role::Lead, &directory).is_err(),
            "the same level twice"
        );

        let to_l3 = assignment(ids.l3, Some(ids.security), None);
        let events = escalate(&acknowledged, Role::Agent, &ladder, to_l3, &handoff()).expect("escalation");
        acknowledged.apply_all(&events, at(10));
        assert_eq!(acknowledged.acknowledged_level, None, "a new level has a new escalation to acknowledge");
        assert!(acknowledge(&acknowledged, ids.eve, Role::Agent, &directory).is_ok());
    }

    #[test]
    fn tags_are_normalised_and_deduplicated() {
        assert_eq!(parse_tags("tags", "VPN, billing vpn").expect("tags"), vec!["billing", "vpn"]);
        assert!(parse_tags("tags", "bad/tag").is_err());
    }

    #[test]
    fn replaying_the_log_gives_the_projection() {
        let mut ticket = new_ticket();
        let created = open(
            &NewTicket {
                subject: ticket.subject.clone(),
                description: ticket.description.clone(),
                category_id: Some(3),
                priority: Priority::High,
            },
            Channel::Portal,
        );
        let mut log: Vec<Vec<EventData>> = vec![vec![created]];
        for changes in [
            TicketChanges { status: Some(TicketStatus::Pending), ..Default::default() },
            TicketChanges {
                priority: Some(Priority::Low),
                tags: Some(vec!["a".into()]),
                ..Default::default()
            },
        ] {
            let events =
                change(&ticket, Role::Lead, &LadderContext::without_organisation(), &changes).expect("edit");
            ticket.apply_all(&events, at(2));
            log.push(events);
        }
        let mut replayed = Ticket::from_created(1, 10, 20, at(0), &log[0][0]).expect("created");
        for batch in &log[1..] {
            replayed.apply_all(batch, at(2));
        }
        assert_eq!(replayed, ticket);
    }
}
