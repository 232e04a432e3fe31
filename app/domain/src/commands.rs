//! Commands on tickets: pure decisions from (ticket, actor, input) to the events they append.
//! The store persists what they return ([`crate::ticket::Ticket::apply`] builds the projection);
//! the server functions and the REST API call the same functions, so a rule holds for both.

use serde::{Deserialize, Serialize};

use crate::account::Role;
use crate::directory::Directory;
use crate::ladder::{LadderContext, Move};
use crate::ticket::{
    is_escalated, Assignment, Channel, EventData, Handoff, Priority, Ticket, TicketEvent, TicketStatus,
    Visibility, Warranted,
};
use crate::validation::{self, FieldErrors};

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

/// The longest comment on an escalation's rating, in characters.
pub const RATING_COMMENT_MAX: usize = 2_000;

/// A rating of an escalation as its form sends it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EscalationRatingInput {
    /// `yes`, `no` or `unsure`.
    pub warranted: String,
    /// 1 to 5.
    pub handoff: String,
    pub comment: String,
}

/// The escalation that brought the ticket to the tier holding it, by its event's sequence: the
/// last `escalated` event into that tier. `None` when the tier got it otherwise (routing, a
/// hand-back, a move inside the tier).
pub fn received_escalation(ticket: &Ticket, log: &[TicketEvent]) -> Option<i64> {
    let tier = ticket.assignment.tier_id?;
    let arrival = log.iter().rev().find(|event| match &event.data {
        EventData::Escalated { to, from, .. }
        | EventData::Deescalated { to, from, .. }
        | EventData::AssignmentChanged { to, from, .. } => {
            to.tier_id == Some(tier) && from.tier_id != Some(tier)
        }
        _ => false,
    })?;
    match &arrival.data {
        // Routing writes a ticket's first placement as an escalation from no tier: not one to rate.
        EventData::Escalated { from, .. } if from.tier_id.is_some() => Some(arrival.sequence),
        _ => None,
    }
}

/// Whether the escalation at `escalation` (its event's sequence) was rated already.
pub fn is_rated(log: &[TicketEvent], escalation: i64) -> bool {
    log.iter().any(|event| matches!(event.data, EventData::EscalationRated { escalation: rated, .. } if rated == escalation))
}

/// Someone of the receiving tier rates the escalation that brought the ticket there: warranted
/// or not, and how good the handoff note was. Once per escalation; never required to work the
/// ticket. The same people who may acknowledge the escalation may rate it.
pub fn rate_escalation(
    ticket: &Ticket,
    log: &[TicketEvent],
    person_id: i64,
    role: Role,
    directory: &Directory,
    input: &EscalationRatingInput,
) -> Result<Vec<EventData>, CommandError> {
    if !role.is_staff() {
        return Err(CommandError::StaffOnly);
    }
    let refuse = |message: &str| {
        CommandError::Invalid(FieldErrors(vec![super::FieldError::new("escalation", message)]))
    };
    let Some(escalation) = received_escalation(ticket, log) else {
        return Err(refuse("This ticket did not reach its tier by an escalation; there is nothing to rate."));
    };
    if is_rated(log, escalation) {
        return Err(refuse("This escalation is rated already."));
    }
    if !may_acknowledge(directory, person_id, role, ticket.assignment) {
        return Err(refuse(
            "Only the tier or group that received the escalation, its lead or a manager may rate it.",
        ));
    }
    let mut errors = FieldErrors::default();
    let warranted = Warranted::parse(input.warranted.trim());
    if warranted.is_none() {
        errors.push("warranted", "Say whether the escalation was warranted: yes, no or unsure.");
    }
    let handoff = input.handoff.trim().parse::<u8>().ok().filter(|score| (1..=5).contains(score));
    if handoff.is_none() {
        errors.push("handoff", "Rate the handoff note from 1 to 5.");
    }
    let comment = input.comment.trim();
    if comment.chars().count() > RATING_COMMENT_MAX {
        errors.push("comment", format!("Keep the comment under {RATING_COMMENT_MAX} characters."));
    }
    match (warranted, handoff) {
        (Some(warranted), Some(handoff)) if errors.is_empty() => Ok(vec![EventData::EscalationRated {
            escalation,
            warranted,
            handoff,
            comment: (!comment.is_empty()).then(|| comment.to_string()),
        }]),
        _ => Err(CommandError::Invalid(errors)),
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

#[cfg(test)]
mod tests;
