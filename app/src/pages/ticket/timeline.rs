//! The timeline, the one place of record: every event of the ticket the viewer may see, in
//! words, with the form to write on it.

use leptos::prelude::*;

use super::message::MessageForm;
use crate::components::time::{format_instant, Instant, Precision};
use crate::domain::directory::Directory;
use crate::domain::queue::{CustomerTicket, TimelineEntry};
use crate::domain::ticket::{Assignment, Handoff};
use crate::domain::{EventData, TicketStatus, Visibility};
use crate::server_fns::tickets::PostMessage;

/// The timeline with the form to write on it, unless the ticket is closed.
#[component]
pub(super) fn TimelineSection(
    ticket: CustomerTicket,
    timeline: Vec<TimelineEntry>,
    directory: Directory,
    requester_name: String,
    staff: bool,
    post: ServerAction<PostMessage>,
    draft: RwSignal<String>,
) -> impl IntoView {
    let closed = ticket.status == TicketStatus::Closed;
    let timeline =
        timeline.iter().map(|entry| timeline_item(entry, &directory, &requester_name)).collect_view();
    view! {
        <section aria-label="Timeline">
            <ol class="timeline">{timeline}</ol>
            <Show when=move || !closed fallback=|| view! { <p class="muted">"This ticket is closed."</p> }>
                <MessageForm ticket_id=ticket.id staff=staff post=post body=draft/>
            </Show>
        </section>
    }
}

/// How an entry of the timeline looks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Look {
    /// What the customer wrote, and the ticket's opening.
    Message,
    /// A public reply by staff.
    Reply,
    /// A note only staff see.
    Internal,
    /// A change of a field, an assignment, a reminder: told in one line.
    System,
    /// A move to a higher tier, with its handoff.
    Escalation,
    /// A breached target or a missed checkpoint.
    Breach,
}

impl Look {
    fn class(self) -> &'static str {
        match self {
            Look::Message => "message",
            Look::Reply => "message reply",
            Look::Internal => "internal",
            Look::System => "system",
            Look::Escalation => "escalation",
            Look::Breach => "breach",
        }
    }
}

fn timeline_item(entry: &TimelineEntry, directory: &Directory, requester: &str) -> impl IntoView + use<> {
    let who = entry.actor_name.clone().unwrap_or_else(|| "Tierline".to_string());
    let at = |instant| format_instant(instant, Precision::Minute);
    let (look, heading, body): (Look, String, Option<String>) = match &entry.event.data {
        EventData::Created { description, .. } => {
            (Look::Message, format!("{requester} opened the ticket"), Some(description.clone()))
        }
        EventData::CustomerMessage { body } => (Look::Message, format!("{who} wrote"), Some(body.clone())),
        EventData::PublicReply { body } => (Look::Reply, format!("{who} replied"), Some(body.clone())),
        EventData::InternalNote { body } => {
            (Look::Internal, format!("{who} wrote an internal note"), Some(body.clone()))
        }
        EventData::StatusChanged { from, to } => {
            (Look::System, format!("{who} changed the status from {} to {}", from.label(), to.label()), None)
        }
        EventData::PriorityChanged { from, to } => (
            Look::System,
            format!("{who} changed the priority from {} to {}", from.label(), to.label()),
            None,
        ),
        EventData::CategoryChanged { from, to } => (
            Look::System,
            format!(
                "{who} changed the category from {} to {}",
                directory.category_name(*from).unwrap_or("none"),
                directory.category_name(*to).unwrap_or("none")
            ),
            None,
        ),
        EventData::TagsChanged { added, removed } => {
            let mut parts = Vec::new();
            if !added.is_empty() {
                parts.push(format!("added {}", added.join(", ")));
            }
            if !removed.is_empty() {
                parts.push(format!("removed {}", removed.join(", ")));
            }
            (Look::System, format!("{who} {} as tags", parts.join(" and ")), None)
        }
        EventData::AssignmentChanged { to, .. } => {
            (Look::System, format!("{who} assigned the ticket to {}", place_name(directory, to)), None)
        }
        EventData::Escalated { to, handoff, reason, level, .. } => {
            let place = place_name(directory, to);
            let level = level.map(|level| format!(" (level {level})")).unwrap_or_default();
            let heading = format!("{who} escalated the ticket to {place}{level}: {reason}");
            (Look::Escalation, heading, handoff.as_ref().map(handoff_text))
        }
        EventData::Deescalated { to, level, reason, .. } => {
            let place = place_name(directory, to);
            (
                Look::System,
                format!("{who} handed the ticket back to {place} (level {level})"),
                Some(reason.clone()),
            )
        }
        EventData::ClockReminder { clock, percent, due_at, late, .. } => (
            Look::System,
            format!(
                "Reminder: {percent} % of the {} target used at {}{}",
                clock.label().to_lowercase(),
                at(*due_at),
                if *late { " (recorded late)" } else { "" }
            ),
            None,
        ),
        EventData::CheckpointMissed { tier_id, due_at, late } => (
            Look::Breach,
            format!(
                "Checkpoint missed: {} owed the customer a public update by {}{}",
                directory.tier_name(*tier_id).unwrap_or("the tier"),
                at(*due_at),
                if *late { " (recorded late)" } else { "" }
            ),
            None,
        ),
        EventData::EscalationAcknowledged { level } => {
            (Look::System, format!("{who} acknowledged the escalation at level {level}"), None)
        }
        EventData::ClockBreached { clock, due_at, late, .. } => (
            Look::Breach,
            format!(
                "{} target breached at {}{}",
                clock.label(),
                at(*due_at),
                if *late { " (recorded late)" } else { "" }
            ),
            None,
        ),
    };
    let internal_label = (entry.event.data.visibility() == Visibility::Internal && look != Look::System)
        .then_some(" · internal");
    view! {
        <li class=look.class()>
            <div class="meta">{heading} " · " <Instant at=entry.event.at/>{internal_label}</div>
            {body.map(|text| view! { <div class="body">{text}</div> })}
        </li>
    }
}

/// "L2 Specialists · Network · Nina Kowalski", or "nobody".
fn place_name(directory: &Directory, assignment: &Assignment) -> String {
    let place = [
        directory.tier_name(assignment.tier_id),
        directory.group_name(assignment.group_id),
        directory.agent_name(assignment.assignee_id),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    if place.is_empty() {
        "nobody".to_string()
    } else {
        place
    }
}

fn handoff_text(handoff: &Handoff) -> String {
    format!(
        "Summary: {}\nTried: {}\nCustomer impact: {}\nAsked of the next tier: {}",
        handoff.summary, handoff.tried, handoff.impact, handoff.ask
    )
}
