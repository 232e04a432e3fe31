//! The table of tickets shown by the agent queue and the customer portal.

use leptos::prelude::*;

use crate::domain::queue::TicketListItem;
use crate::domain::{Priority, TicketStatus};
use crate::providers::use_ticking_clock;

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

/// Time left until `due`, ticking every second once hydrated; "overdue" past it.
#[component]
pub fn Countdown(due: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    let now = use_ticking_clock();
    let left = move || due - now.get();
    let text = move || {
        let left = left();
        let seconds = left.num_seconds().abs();
        let (days, hours, minutes, rest) =
            (seconds / 86_400, (seconds % 86_400) / 3600, (seconds % 3600) / 60, seconds % 60);
        let span = if days > 0 {
            format!("{days}d {hours}h")
        } else if hours > 0 {
            format!("{hours}h {minutes:02}m")
        } else {
            format!("{minutes}m {rest:02}s")
        };
        if left < chrono::Duration::zero() {
            format!("overdue {span}")
        } else {
            format!("in {span}")
        }
    };
    let class = move || {
        let left = left();
        if left < chrono::Duration::zero() {
            "countdown overdue"
        } else if left < chrono::Duration::minutes(30) {
            "countdown soon"
        } else {
            "countdown"
        }
    };
    view! { <time class=class datetime=due.to_rfc3339() title=due.format("%Y-%m-%d %H:%M UTC").to_string()>{text}</time> }
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
            let breach = item.next_breach_at;
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
                        <td>{breach.map(|due| view! { <Countdown due=due/> })}</td>
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
                            <th scope="col">"Breaches"</th>
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
