//! The attention panel (staff only): the escalation level and its acknowledgement, which
//! silences the level's repeated reminders, and watching the ticket.

use leptos::prelude::*;

use crate::components::errors::action_error;
use crate::components::ticket_table::StalledBadge;
use crate::components::time::{format_instant, Precision};
use crate::domain::EventData;
use crate::server_fns::tickets::{AcknowledgeEscalation, TicketDetail, WatchTicket};

/// The escalation level with its acknowledgement, and watching (staff only).
#[component]
pub(super) fn AttentionPanel(
    detail: TicketDetail,
    acknowledge: ServerAction<AcknowledgeEscalation>,
    watch: ServerAction<WatchTicket>,
) -> impl IntoView {
    let ticket = detail.ticket;
    let acknowledged = ticket.acknowledged_level == Some(ticket.escalation_level);
    // Who acknowledged the current level, and when: the last acknowledgement in the log.
    let acknowledged_by = detail.timeline.iter().rev().find_map(|entry| match entry.event.data {
        EventData::EscalationAcknowledged { level } if acknowledged && level == ticket.escalation_level => {
            Some(format!(
                "Acknowledged by {} at {}",
                entry.actor_name.clone().unwrap_or_else(|| "someone".into()),
                format_instant(entry.event.at, Precision::Minute)
            ))
        }
        _ => None,
    });
    let may_acknowledge = !acknowledged
        && !ticket.status.is_done()
        && crate::domain::ticket::is_escalated(&ticket)
        && crate::domain::commands::may_acknowledge(
            &detail.directory,
            detail.viewer.id,
            detail.viewer.role,
            ticket.assignment,
        );
    let watching = detail.watching;
    // Stalled once `from` passes; until then, when the tier must act by.
    let tier = detail.directory.tier_name(ticket.assignment.tier_id).unwrap_or("The tier").to_string();
    let stall = detail.stall.map(|(since, from)| {
        let now = crate::providers::use_ticking_clock();
        let words = move || {
            let since = format_instant(since, Precision::Minute);
            if from <= now.get() {
                format!(" {tier} has done nothing with it since {since}.")
            } else {
                format!(
                    "{tier} last acted on it at {since}; it stalls at {}.",
                    format_instant(from, Precision::Minute)
                )
            }
        };
        view! { <p data-stall="true"><StalledBadge from=from/><span class="muted">{words}</span></p> }
    });
    view! {
        <section class="panel" aria-label="Attention">
            {stall}
            <p>
                {format!("Escalation level {}", ticket.escalation_level)}
                {acknowledged.then(|| view! { <span class="badge" data-acknowledged="true">" acknowledged"</span> })}
            </p>
            {acknowledged_by.map(|line| view! { <p class="muted" data-acknowledged-by="true">{line}</p> })}
            {action_error(acknowledge.value())}
            <Show when=move || may_acknowledge>
                <ActionForm action=acknowledge attr:class="inline">
                    <input type="hidden" name="ticket_id" value=ticket.id.to_string()/>
                    <button type="submit" class="secondary">"Acknowledge escalation"</button>
                </ActionForm>
            </Show>
            {action_error(watch.value())}
            <ActionForm action=watch attr:class="inline">
                <input type="hidden" name="ticket_id" value=ticket.id.to_string()/>
                <input type="hidden" name="watch" value=(!watching).to_string()/>
                <button type="submit" class="secondary">{if watching { "Stop watching" } else { "Watch" }}</button>
            </ActionForm>
        </section>
    }
}
