//! The table of tickets shown by the agent queue and the customer portal.

use leptos::prelude::*;

use crate::components::time::{format_instant, format_span, Instant, Precision};
use crate::domain::queue::{CustomerTicketListItem, ListedTickets, TicketListItem};
use crate::domain::{Priority, TicketStatus};
use crate::providers::use_ticking_clock;

#[component]
pub fn PriorityBadge(priority: Priority) -> impl IntoView {
    view! { <span class=format!("badge priority-{}", priority.as_str())>{priority.label()}</span> }
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

/// Time left until `due`, ticking every second once hydrated; "overdue" past it. Its class is
/// the clock's state: running, at risk in its last half hour, breached once past.
#[component]
pub fn Countdown(due: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    let now = use_ticking_clock();
    let left = move || due - now.get();
    let text = move || {
        let left = left();
        if left < chrono::Duration::zero() {
            format!("overdue {}", format_span(left.abs()))
        } else {
            format!("in {}", format_span(left))
        }
    };
    let class = move || {
        let left = left();
        if left < chrono::Duration::zero() {
            "countdown clock-breached"
        } else if left < chrono::Duration::minutes(30) {
            "countdown clock-at-risk"
        } else {
            "countdown clock-running"
        }
    };
    view! { <time class=class datetime=due.to_rfc3339() title=format_instant(due, Precision::Minute)>{text}</time> }
}

/// "Stalled" once `from` has passed: the tier holding the ticket has done nothing with it for its
/// ladder level's `stall_after`.
#[component]
pub fn StalledBadge(from: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    let now = use_ticking_clock();
    move || {
        (from <= now.get()).then(|| {
            view! {
                <span class="badge stalled" title=format!("Nothing done with it since it stalled at {}", format_instant(from, Precision::Minute))>
                    "Stalled"
                </span>
            }
        })
    }
}

/// Tickets as rows; a staff list has the columns only staff see (organisation, tier, assignee,
/// next breach).
#[component]
pub fn TicketTable(tickets: ListedTickets) -> impl IntoView {
    // Each row is the customer's part, plus the staff columns when there are any.
    let (staff, rows): (bool, Vec<(CustomerTicketListItem, Option<StaffColumns>)>) = match tickets {
        ListedTickets::Staff(page) => (
            true,
            page.items.into_iter().map(|item| (item.for_customer(), Some(StaffColumns::of(item)))).collect(),
        ),
        ListedTickets::Customer(page) => (false, page.items.into_iter().map(|item| (item, None)).collect()),
    };
    if rows.is_empty() {
        return view! { <p class="muted">"No tickets match."</p> }.into_any();
    }
    let rows = rows
        .into_iter()
        .map(|(item, staff_columns)| {
            let ticket = item.ticket;
            let href = format!("/tickets/{}", ticket.id);
            let staff_columns = staff_columns.map(|columns| {
                view! {
                    <td>{item.organisation_name}</td>
                    <td>{columns.where_now} {columns.stalled_from.map(|from| view! { <StalledBadge from=from/> })}</td>
                    <td>{columns.assignee_name}</td>
                    <td>{columns.next_breach_at.map(|due| view! { <Countdown due=due/> })}</td>
                }
            });
            view! {
                <tr>
                    <td>{format!("#{}", ticket.id)}</td>
                    <td><a href=href>{ticket.subject}</a></td>
                    <td><StatusBadge status=ticket.status/></td>
                    <td><PriorityBadge priority=ticket.priority/></td>
                    <td>{item.category_name.unwrap_or_default()}</td>
                    {staff_columns}
                    <td><Instant at=ticket.updated_at/></td>
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

/// The cells of a row that only staff see.
struct StaffColumns {
    where_now: String,
    assignee_name: String,
    next_breach_at: Option<chrono::DateTime<chrono::Utc>>,
    stalled_from: Option<chrono::DateTime<chrono::Utc>>,
}

impl StaffColumns {
    fn of(item: TicketListItem) -> StaffColumns {
        let where_now = match (item.tier_name, item.group_name) {
            (Some(tier), Some(group)) => format!("{tier} · {group}"),
            (Some(tier), None) => tier,
            _ => "Unrouted".to_string(),
        };
        StaffColumns {
            where_now,
            assignee_name: item.assignee_name.unwrap_or_else(|| "—".into()),
            next_breach_at: item.next_breach_at,
            stalled_from: item.stalled_from,
        }
    }
}
