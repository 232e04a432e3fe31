//! What both views of a ticket begin with: the title, the badges and who opened it, and the
//! panel of facts beside the timeline.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::ticket_table::{PriorityBadge, StatusBadge};
use crate::components::time::{format_instant, Precision};
use crate::domain::queue::CustomerTicket;
use crate::domain::Channel;

/// The title, the badges and who opened the ticket: the same for everyone.
#[component]
pub(super) fn TicketHeading(
    ticket: CustomerTicket,
    requester_name: String,
    organisation_name: String,
) -> impl IntoView {
    let opened = format_instant(ticket.created_at, Precision::Minute);
    view! {
        <Title text=format!("#{} {}", ticket.id, ticket.subject)/>
        <h1>{format!("#{} ", ticket.id)} {ticket.subject.clone()}</h1>
        <p>
            <StatusBadge status=ticket.status/> " " <PriorityBadge priority=ticket.priority/>
            <span class="muted">{format!(" · opened {opened} by {requester_name} ({organisation_name})")}</span>
        </p>
    }
}

/// Organisation, requester, category and channel, then whatever the viewer may do about them.
#[component]
pub(super) fn FactsPanel(
    organisation: String,
    requester_name: String,
    category: Option<String>,
    channel: Channel,
    /// Shown to staff only.
    #[prop(optional)]
    reopen_count: Option<i64>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <section class="panel" aria-label="Ticket facts">
            <dl class="facts">
                <dt>"Organisation"</dt><dd>{organisation}</dd>
                <dt>"Requester"</dt><dd>{requester_name}</dd>
                <dt>"Category"</dt><dd>{category.unwrap_or_else(|| "—".to_string())}</dd>
                <dt>"Channel"</dt><dd>{channel.label()}</dd>
                {reopen_count.map(|count| view! { <dt>"Reopened"</dt><dd>{count}" times"</dd> })}
            </dl>
            {children.map(|children| children())}
        </section>
    }
}
