//! The table of tickets shown by the agent queue and the customer portal.

use leptos::prelude::*;

use crate::domain::queue::TicketListItem;
use crate::domain::{Priority, TicketStatus};

#[component]
pub fn PriorityBadge(priority: Priority) -> impl IntoView {
    view! { <span class=format!("badge {}", priority.as_str())>{priority.label()}</span> }
}

#[component]
pub fn StatusBadge(status: TicketStatus) -> impl IntoView {
    let label = match status {
        TicketStatus::Pending => "Pending",
        TicketStatus::OnHold => "On hold",
        other => other.label(),
    };
    view! { <span class=format!("badge status-{}", status.as_str())>{label}</span> }
}

/// Tickets as rows; `staff` adds the columns only staff see (organisation, tier, assignee).
#[component]
pub fn TicketTable(items: Vec<TicketListItem>, staff: bool) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="muted">"No tickets match."</p> }.into_any();
    }
    let rows = items
        .into_iter()
        .map(|item| {
            let ticket = item.ticket;
            let href = format!("/tickets/{}", ticket.id);
            let updated = ticket.updated_at.format("%Y-%m-%d %H:%M UTC").to_string();
            let where_now = match (item.tier_name, item.group_name) {
                (Some(tier), Some(group)) => format!("{tier} · {group}"),
                (Some(tier), None) => tier,
                _ => "Unrouted".to_string(),
            };
            view! {
                <tr>
                    <td>{format!("#{}", ticket.id)}</td>
                    <td><a href=href>{ticket.subject}</a></td>
                    <td><StatusBadge status=ticket.status/></td>
                    <td><PriorityBadge priority=ticket.priority/></td>
                    <td>{item.category_name.unwrap_or_default()}</td>
                    <Show when=move || staff>
                        <td>{item.organisation_name.clone()}</td>
                        <td>{where_now.clone()}</td>
                        <td>{item.assignee_name.clone().unwrap_or_else(|| "—".into())}</td>
                    </Show>
                    <td>{updated}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table>
                <thead>
                    <tr>
                        <th scope="col">"#"</th>
                        <th scope="col">"Subject"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Priority"</th>
                        <th scope="col">"Category"</th>
                        <Show when=move || staff>
                            <th scope="col">"Organisation"</th>
                            <th scope="col">"Tier · group"</th>
                            <th scope="col">"Assignee"</th>
                        </Show>
                        <th scope="col">"Updated"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
