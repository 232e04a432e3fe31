//! The timeline, the one place of record: every event of the ticket the viewer may see, in
//! words, with the form to write on it.

use leptos::prelude::*;

use super::message::MessageForm;
use crate::components::time::Instant;
use crate::domain::describe::describe;
use crate::domain::directory::Directory;
use crate::domain::queue::{CustomerTicket, TimelineEntry};
use crate::domain::ticket::Handoff;
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
    /// The customer's answer to the satisfaction survey.
    Feedback,
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
            Look::Feedback => "feedback",
        }
    }
}

fn timeline_item(entry: &TimelineEntry, directory: &Directory, requester: &str) -> impl IntoView + use<> {
    let who = entry.actor_name.clone().unwrap_or_else(|| "Tierline".to_string());
    // The page names the customer a ticket is for as the one who opened it.
    let actor = if matches!(entry.event.data, EventData::Created { .. }) { requester } else { &who };
    let heading = describe(&entry.event.data, actor, directory);
    let (look, body): (Look, Option<String>) = match &entry.event.data {
        EventData::Created { description: text, .. } | EventData::CustomerMessage { body: text } => {
            (Look::Message, Some(text.clone()))
        }
        EventData::PublicReply { body } => (Look::Reply, Some(body.clone())),
        EventData::InternalNote { body } => (Look::Internal, Some(body.clone())),
        EventData::Escalated { handoff, .. } => (Look::Escalation, handoff.as_ref().map(handoff_text)),
        EventData::Deescalated { reason, .. } => (Look::System, Some(reason.clone())),
        EventData::EscalationRated { comment, .. } => (Look::Internal, comment.clone()),
        EventData::CheckpointMissed { .. } | EventData::ClockBreached { .. } => (Look::Breach, None),
        // A low score reads as the bad outcome it is.
        EventData::SurveyAnswered { comment, low, .. } => {
            (if *low { Look::Breach } else { Look::Feedback }, comment.clone())
        }
        _ => (Look::System, None),
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

fn handoff_text(handoff: &Handoff) -> String {
    format!(
        "Summary: {}\nTried: {}\nCustomer impact: {}\nAsked of the next tier: {}",
        handoff.summary, handoff.tried, handoff.impact, handoff.ask
    )
}
