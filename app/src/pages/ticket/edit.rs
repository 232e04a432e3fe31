//! The form that changes a ticket's fields: status, priority, category, tags and where it is
//! held (a move inside the tier, or back to a lower one with a reason).

use leptos::prelude::*;

use crate::components::errors::action_error;
use crate::components::form::{choices, id_value, Choices, Field, Select};
use crate::domain::directory::Directory;
use crate::domain::{Priority, TicketStatus};
use crate::server_fns::tickets::{TicketDetail, UpdateTicket};

#[component]
pub(super) fn EditForm(detail: TicketDetail, update: ServerAction<UpdateTicket>) -> impl IntoView {
    let result = update.value();
    let ticket = detail.ticket;
    let directory = detail.directory;
    let categories = directory.categories.iter().map(|c| (c.id.to_string(), c.name.clone())).collect();
    let tiers = directory.tiers.iter().map(|t| (t.id.to_string(), t.name.clone())).collect();
    let groups = directory
        .groups
        .iter()
        .map(|g| {
            let tier_name = directory.tier_name(Some(g.tier_id)).unwrap_or_default();
            (g.id.to_string(), format!("{} ({tier_name})", g.name))
        })
        .collect();
    view! {
        <section class="panel" aria-label="Edit ticket">
            <h2>"Ticket"</h2>
            {action_error(result)}
            <ActionForm action=update>
                <input type="hidden" name="edit[ticket_id]" value=ticket.id.to_string()/>
                <input type="hidden" name="edit[version]" value=ticket.version.to_string()/>
                <Select id="edit-status" name="edit[status]" label="Status" errors=result
                    choices=choices(TicketStatus::ALL, TicketStatus::as_str, TicketStatus::label) selected=ticket.status.as_str()/>
                <Select id="edit-priority" name="edit[priority]" label="Priority" errors=result
                    choices=choices(Priority::ALL, Priority::as_str, Priority::label) selected=ticket.priority.as_str()/>
                <Select id="edit-category" name="edit[category]" label="Category" errors=result
                    choices=categories empty="None" selected=id_value(ticket.category_id)/>
                <Field id="edit-tags" name="edit[tags]" label="Tags" value=ticket.tags.join(" ") errors=result/>
                <Select id="edit-tier" name="edit[tier]" label="Tier" errors=result
                    choices=tiers empty="Unrouted" selected=id_value(ticket.assignment.tier_id)/>
                <Select id="edit-group" name="edit[group]" label="Group" errors=result
                    choices=groups empty="None" selected=id_value(ticket.assignment.group_id)/>
                <Select id="edit-assignee" name="edit[assignee]" label="Agent" errors=result
                    choices=agent_choices(&directory) empty="Nobody" selected=id_value(ticket.assignment.assignee_id)/>
                <p class="muted">
                    "Moves inside the tier are plain assignments. To move the ticket to a higher tier, use "
                    <strong>"Escalate"</strong>" with a handoff note."
                </p>
                <Field id="edit-deescalation-reason" name="edit[deescalation_reason]" errors=result
                    label="Reason for handing back to a lower tier"
                    hint="Only needed when the tier chosen above ranks below the one holding the ticket now."/>
                <button type="submit" disabled=move || update.pending().get()>"Save changes"</button>
            </ActionForm>
        </section>
    }
}

/// The staff a ticket can be assigned to.
pub(super) fn agent_choices(directory: &Directory) -> Choices {
    directory.agents.iter().map(|(id, name)| (id.to_string(), name.clone())).collect()
}
