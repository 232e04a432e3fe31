//! `/reports/time`: where the time of the tickets resolved in a period went — per tier (held, of
//! which the budget ran, paused, outside business hours), per status, per hand-off between tiers
//! (how long until the receiving tier's first public reply) and per week. Every row lists its
//! tickets; the tables download as CSV; the period and filters are in the URL.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;

use crate::components::form::{choices, Select};
use crate::components::loading::Loaded;
use crate::components::url::{query_from_url, query_string, queue_href};
use crate::domain::describe::format_span;
use crate::domain::tracking::DurationSummary;
use crate::domain::Priority;
use crate::providers::use_live_updates;
use crate::server_fns::reports::{time_report, TimePage, TimeQuery};

#[component]
pub fn TimeReportPage() -> impl IntoView {
    let query = query_from_url::<TimeQuery>();
    let changed = use_live_updates().any_ticket();
    let page = Resource::new(move || (query.get(), changed()), |(query, _)| time_report(query));
    view! {
        <Title text="Where the time went"/>
        <h1>"Where the time went"</h1>
        <Loaded resource=page let:page>
            <Report page=page/>
        </Loaded>
    }
}

fn span(value: Option<chrono::Duration>) -> String {
    value.map_or("–".to_string(), format_span)
}

#[component]
fn Report(page: TimePage) -> impl IntoView {
    let TimePage { query, period, report, tiers, tickets, drill } = page;
    let (from, to) = (period.from.to_string(), period.to.to_string());
    let filters = [
        ("from", from.as_str()),
        ("to", to.as_str()),
        ("tier", query.tier.as_str()),
        ("group", query.group.as_str()),
        ("plan", query.plan.as_str()),
        ("category", query.category.as_str()),
        ("priority", query.priority.as_str()),
    ];
    let drill_href = |row: String| {
        let mut pairs = filters.to_vec();
        pairs.push(("drill", row.as_str()));
        format!("{}#drill", query_string(&pairs))
    };
    let csv = format!("/reports/time.csv{}", query_string(&filters));
    let name = |id: i64| {
        tiers
            .iter()
            .find(|(tier, _)| *tier == id)
            .map_or("(a removed tier)".to_string(), |(_, name)| name.clone())
    };
    let summary_cells = |summary: &DurationSummary| {
        view! {
            <td class="number">{span(summary.median)}</td>
            <td class="number">{span(summary.p90)}</td>
            <td class="number">{format_span(summary.total)}</td>
        }
    };
    let tier_rows = report
        .tiers
        .iter()
        .map(|row| {
            view! {
                <tr>
                    <th scope="row"><a href=drill_href(format!("tier:{}", row.tier_id))>{name(row.tier_id)}</a></th>
                    <td class="number">{row.tickets}</td>
                    {summary_cells(&row.held)}
                    <td class="number">{format_span(row.running)}</td>
                    <td class="number">{format_span(row.paused)}</td>
                    <td class="number">{format_span(row.out_of_hours)}</td>
                </tr>
            }
        })
        .collect_view();
    let status_rows = report
        .statuses
        .iter()
        .map(|row| {
            view! {
                <tr>
                    <th scope="row"><a href=drill_href(format!("status:{}", row.status.as_str()))>{row.status.label()}</a></th>
                    <td class="number">{row.time.count}</td>
                    {summary_cells(&row.time)}
                </tr>
            }
        })
        .collect_view();
    let handoff_rows = report
        .handoffs
        .iter()
        .map(|row| {
            view! {
                <tr>
                    <th scope="row">
                        <a href=drill_href(format!("handoff:{}-{}", row.from, row.to))>{format!("{} → {}", name(row.from), name(row.to))}</a>
                    </th>
                    <td class="number">{row.count}</td>
                    <td class="number">{span(row.to_first_reply.median)}</td>
                    <td class="number">{span(row.to_first_reply.p90)}</td>
                    <td class="number">{row.unanswered}</td>
                </tr>
            }
        })
        .collect_view();
    let week_tiers: Vec<i64> = report.tiers.iter().map(|row| row.tier_id).collect();
    let week_header = week_tiers
        .iter()
        .map(|id| view! { <th scope="col">{format!("{} median", name(*id))}</th> })
        .collect_view();
    let week_rows = report
        .weeks
        .iter()
        .map(|week| {
            let cells = week_tiers
                .iter()
                .map(|id| {
                    let median = week.held_by_tier.iter().find(|(tier, _)| tier == id).and_then(|(_, held)| held.median);
                    view! { <td class="number">{span(median)}</td> }
                })
                .collect_view();
            view! { <tr><th scope="row">{format!("Week of {}", week.week)}</th><td class="number">{week.tickets}</td>{cells}</tr> }
        })
        .collect_view();
    let drill = drill.map(|drill| {
        let rows = drill
            .tickets
            .into_iter()
            .map(|(id, subject, time)| {
                view! {
                    <tr>
                        <td><a href=format!("/tickets/{id}")>{format!("#{id} {subject}")}</a></td>
                        <td class="number">{format_span(time)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <section id="drill" class="panel" aria-labelledby="drill-heading">
                <h2 id="drill-heading">{drill.label}</h2>
                <table class="report-table">
                    <thead><tr><th scope="col">"Ticket"</th><th scope="col">"Time"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </section>
        }
    });
    let tier_choices = tiers.iter().map(|(id, name)| (id.to_string(), name.clone())).collect();
    view! {
        <p class="muted">
            {format!(
                "{} tickets resolved from {from} to {to}, replayed by the clock code under the policy in force. \
                 Held is wall-clock time; of it, the tier budget ran in business hours, paused while the ticket \
                 waited, or stood outside business hours.",
                report.tickets
            )}
        </p>
        <Form method="GET" action="" attr:class="panel filters" attr:aria-label="Choose the period">
            <div><label for="time-from">"From"</label><input type="date" id="time-from" name="from" value=from.clone()/></div>
            <div><label for="time-to">"To"</label><input type="date" id="time-to" name="to" value=to.clone()/></div>
            <div><Select id="time-tier" name="tier" label="Now in tier" choices=tier_choices empty="Any" selected=query.tier.clone()/></div>
            <div>
                <Select id="time-priority" name="priority" label="Priority" empty="Any" selected=query.priority.clone()
                    choices=choices(Priority::ALL, Priority::as_str, Priority::label)/>
            </div>
            <div><button type="submit">"Show"</button></div>
        </Form>
        <p>
            <a href=queue_href(&tickets)>"List these tickets in the queue"</a>
            " · "
            <a href=csv download="">"Download the tables as CSV"</a>
        </p>
        <section aria-labelledby="tiers-heading">
            <h2 id="tiers-heading">"Per tier"</h2>
            <table class="report-table">
                <thead>
                    <tr>
                        <th scope="col">"Tier"</th><th scope="col">"Tickets"</th><th scope="col">"Median held"</th>
                        <th scope="col">"90th percentile"</th><th scope="col">"Total held"</th><th scope="col">"Budget ran"</th>
                        <th scope="col">"Paused"</th><th scope="col">"Out of hours"</th>
                    </tr>
                </thead>
                <tbody>{tier_rows}</tbody>
            </table>
        </section>
        <section aria-labelledby="handoffs-heading">
            <h2 id="handoffs-heading">"Hand-offs: to the receiving tier's first public reply"</h2>
            <table class="report-table">
                <thead>
                    <tr>
                        <th scope="col">"From → to"</th><th scope="col">"Hand-offs"</th><th scope="col">"Median"</th>
                        <th scope="col">"90th percentile"</th><th scope="col">"No reply"</th>
                    </tr>
                </thead>
                <tbody>{handoff_rows}</tbody>
            </table>
        </section>
        <section aria-labelledby="statuses-heading">
            <h2 id="statuses-heading">"Per status"</h2>
            <table class="report-table">
                <thead>
                    <tr>
                        <th scope="col">"Status"</th><th scope="col">"Tickets"</th><th scope="col">"Median"</th>
                        <th scope="col">"90th percentile"</th><th scope="col">"Total"</th>
                    </tr>
                </thead>
                <tbody>{status_rows}</tbody>
            </table>
        </section>
        <section aria-labelledby="weeks-heading">
            <h2 id="weeks-heading">"By week of resolution"</h2>
            <table class="report-table">
                <thead><tr><th scope="col">"Week"</th><th scope="col">"Tickets"</th>{week_header}</tr></thead>
                <tbody>{week_rows}</tbody>
            </table>
        </section>
        {drill}
    }
}
