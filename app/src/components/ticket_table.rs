//! The table of tickets shown by the agent queue and the customer portal.

use leptos::prelude::*;

use crate::components::time::{format_instant, format_span, Instant, Precision};
use crate::domain::queue::{CustomerTicketListItem, ListedTickets, TicketListItem};
use crate::domain::tracking::{ClockAlerts, Risk};
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

/// Where a ticket's clocks stand: a badge for each overdue clock, then the time left until the
/// next breach, ticking every second once hydrated. Whether a clock is at risk or overdue is what
/// the engine stored (`tracking::ClockAlerts`, the dashboard's notion), so the row, the tiles and
/// the queue's risk filters agree.
#[component]
pub fn ClockWatch(
    next_breach_at: Option<chrono::DateTime<chrono::Utc>>,
    alerts: ClockAlerts,
) -> impl IntoView {
    let overdue = alerts.clocks(Risk::Breached);
    // Beside an overdue clock, the countdown is to the next breach still ahead.
    let lead = if overdue.is_empty() { "in" } else { "next in" };
    let overdue = overdue
        .into_iter()
        .map(|kind| view! { <span class="badge clock-breached">{format!("{} overdue", kind.label())}</span> " " })
        .collect_view();
    let at_risk: Vec<&str> = alerts.clocks(Risk::AtRisk).into_iter().map(|kind| kind.label()).collect();
    let at_risk = (!at_risk.is_empty()).then(|| format!("At risk: {}", at_risk.join(", ")));
    view! { {overdue} {next_breach_at.map(|due| view! { <Countdown due=due lead=lead at_risk=at_risk/> })} }
}

/// Time left until `due` after `lead` ("in 2h 05m"), ticking every second once hydrated;
/// "overdue" past it. Its class is the clock's state: at risk when `at_risk` names clocks (its
/// text is the tooltip), breached once past, else running.
#[component]
fn Countdown(
    due: chrono::DateTime<chrono::Utc>,
    lead: &'static str,
    at_risk: Option<String>,
) -> impl IntoView {
    let now = use_ticking_clock();
    let left = move || due - now.get();
    let text = move || {
        let left = left();
        if left < chrono::Duration::zero() {
            format!("overdue {}", format_span(left.abs()))
        } else {
            format!("{lead} {}", format_span(left))
        }
    };
    let warned = at_risk.is_some();
    let class = move || {
        if left() < chrono::Duration::zero() {
            "countdown clock-breached"
        } else if warned {
            "countdown clock-at-risk"
        } else {
            "countdown clock-running"
        }
    };
    let title = match at_risk {
        Some(at_risk) => format!("Next breach {} · {at_risk}", format_instant(due, Precision::Minute)),
        None => format!("Next breach {}", format_instant(due, Precision::Minute)),
    };
    view! { <time class=class datetime=due.to_rfc3339() title=title>{text}</time> }
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
                    <td><ClockWatch next_breach_at=columns.next_breach_at alerts=columns.clock_alerts/></td>
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
                            <th scope="col">"Clocks"</th>
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
    clock_alerts: ClockAlerts,
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
            clock_alerts: item.clock_alerts,
            stalled_from: item.stalled_from,
        }
    }
}
