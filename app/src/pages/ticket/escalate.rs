//! Escalation by hand: where the ticket goes and the handoff note, every part required.

use leptos::prelude::*;

use super::edit::agent_choices;
use crate::components::errors::action_error;
use crate::components::form::{Control, Field, Select};
use crate::server_fns::tickets::{EscalateTicket, TicketDetail};

#[component]
pub(super) fn EscalateForm(detail: TicketDetail, escalate: ServerAction<EscalateTicket>) -> impl IntoView {
    let result = escalate.value();
    let directory = detail.directory;
    let current_rank = directory
        .tiers
        .iter()
        .find(|tier| Some(tier.id) == detail.ticket.assignment.tier_id)
        .map(|tier| tier.rank)
        .unwrap_or(0);
    // The next tier up is the usual choice; every tier stays available for functional moves.
    let suggested = directory
        .tiers
        .iter()
        .find(|tier| tier.rank > current_rank)
        .map(|tier| tier.id.to_string())
        .unwrap_or_default();
    // Escalating goes up (or across to another tier of the same rank); handing back is an edit.
    let holding = detail.ticket.assignment.tier_id;
    let eligible: Vec<i64> = directory
        .tiers
        .iter()
        .filter(|t| holding.is_none() || (t.rank >= current_rank && Some(t.id) != holding))
        .map(|t| t.id)
        .collect();
    if eligible.is_empty() {
        return view! {
            <section class="panel" aria-label="Escalate">
                <p class="muted">
                    "No tier ranks above "{directory.tier_name(holding).unwrap_or("this tier").to_string()}
                    ": there is no tier to escalate to. Ask the tier's lead or a manager, or hand the ticket back from the fields above."
                </p>
            </section>
        }
        .into_any();
    }
    let tiers = directory
        .tiers
        .iter()
        .filter(|t| eligible.contains(&t.id))
        .map(|t| (t.id.to_string(), t.name.clone()))
        .collect();
    let groups = directory
        .groups
        .iter()
        .filter(|g| eligible.contains(&g.tier_id))
        .map(|g| {
            let tier_name = directory.tier_name(Some(g.tier_id)).unwrap_or_default();
            let skills =
                if g.skills.is_empty() { String::new() } else { format!(" — {}", g.skills.join(", ")) };
            (g.id.to_string(), format!("{} ({tier_name}){skills}", g.name))
        })
        .collect();
    view! {
        <details class="panel" open=move || result.get().is_some_and(|r| r.is_err())>
            <summary><strong>"Escalate"</strong></summary>
            {action_error(result)}
            <ActionForm action=escalate>
                <input type="hidden" name="form[ticket_id]" value=detail.ticket.id.to_string()/>
                <Select id="escalate-tier" name="form[tier]" label="To tier" choices=tiers selected=suggested errors=result/>
                <Select id="escalate-group" name="form[group]" label="Group" choices=groups empty="Any group of the tier" errors=result/>
                <Select id="escalate-assignee" name="form[assignee]" label="Agent"
                    choices=agent_choices(&directory) empty="Whoever the group assigns" errors=result/>
                <Field id="escalate-summary" name="form[summary]" label="Summary" control=Control::TextArea required=true errors=result/>
                <Field id="escalate-tried" name="form[tried]" label="What was tried" control=Control::TextArea required=true errors=result/>
                <Field id="escalate-impact" name="form[impact]" label="Customer impact" control=Control::TextArea required=true errors=result/>
                <Field id="escalate-ask" name="form[ask]" label="What the next tier should do" control=Control::TextArea required=true errors=result/>
                <button type="submit" disabled=move || escalate.pending().get()>"Escalate with this handoff"</button>
            </ActionForm>
        </details>
    }
    .into_any()
}
