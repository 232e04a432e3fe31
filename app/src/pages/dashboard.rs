//! `/dashboard`: where leads and managers land. Where the escalations stand now (open tickets per
//! tier and level, clocks at risk and overdue, unacknowledged escalations, each agent's load),
//! what happened in the period against the one before (opened, resolved, escalated, checkpoints
//! missed, response and resolution times), two charts per day, and the tickets that breach next.
//! Every number links to the queue listing exactly what it counts; the filters are in the URL;
//! the page follows the live stream, so figures move without a reload.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;

use crate::components::chart::{Bar, BarChart, Series, COLOURS};
use crate::components::form::{choices, Select};
use crate::components::loading::Loaded;
use crate::components::ticket_table::TicketTable;
use crate::components::time::Instant;
use crate::components::url::{query_from_url, queue_href};
use crate::domain::describe::format_span;
use crate::domain::queue::{ListedTickets, TicketListPage};
use crate::domain::tracking::DurationSummary;
use crate::domain::Priority;
use crate::providers::use_live_updates;
use crate::server_fns::dashboard::{load_dashboard, Dashboard, DashboardQuery, Figure, TimeFigure};

#[component]
pub fn DashboardPage() -> impl IntoView {
    let query = query_from_url::<DashboardQuery>();
    // Any ticket change — a person's, the engine's, a clock becoming at risk — reloads the figures.
    let changed = use_live_updates().any_ticket();
    let dashboard = Resource::new(move || (query.get(), changed()), |(query, _)| load_dashboard(query));
    view! {
        <Title text="Dashboard"/>
        <h1>"Dashboard"</h1>
        <Loaded resource=dashboard let:dashboard>
            <Board dashboard=dashboard/>
        </Loaded>
    }
}

#[component]
fn Board(dashboard: Dashboard) -> impl IntoView {
    let Dashboard {
        query,
        period,
        previous,
        as_of,
        scope,
        choices: offered,
        open_by_tier,
        open_by_level,
        flow,
        at_risk,
        breached,
        attention,
        times,
        load,
        per_day,
        breaches_per_day,
        open_per_day,
        riskiest,
    } = dashboard;
    let compared = format!("against {} – {}", previous.from, previous.to);
    let columns: Vec<String> = per_day.iter().map(|day| day.day.format("%d %b").to_string()).collect();
    let bars = |figures: Vec<&Figure>| {
        figures
            .into_iter()
            .map(|figure| Bar { value: figure.value, href: queue_href(&figure.drill) })
            .collect()
    };
    let flow_chart = vec![
        Series {
            name: "Opened".into(),
            colour: "accent",
            bars: bars(per_day.iter().map(|d| &d.opened).collect()),
        },
        Series {
            name: "Resolved".into(),
            colour: "ok",
            bars: bars(per_day.iter().map(|d| &d.resolved).collect()),
        },
    ];
    let breach_chart: Vec<Series> = crate::domain::ticket::ClockKind::ALL
        .iter()
        .enumerate()
        .map(|(index, kind)| Series {
            name: kind.label().into(),
            colour: ["danger", "warn", "brand", "muted"][index % 4],
            bars: bars(breaches_per_day.iter().map(|day| &day.breaches[index].1).collect()),
        })
        .collect();
    let tier_names: Vec<String> = open_per_day
        .first()
        .map(|day| day.per_tier.iter().map(|figure| figure.label.clone()).collect())
        .unwrap_or_default();
    let open_chart: Vec<Series> = tier_names
        .into_iter()
        .enumerate()
        .map(|(index, name)| Series {
            name,
            colour: COLOURS[index % COLOURS.len()],
            bars: bars(open_per_day.iter().map(|day| &day.per_tier[index]).collect()),
        })
        .collect();
    let load_rows = load
        .into_iter()
        .map(|agent| {
            view! {
                <tr>
                    <th scope="row">{agent.name}</th>
                    <td class="number"><a href=queue_href(&agent.open.drill)>{agent.open.value}</a></td>
                    <td class="number"><a href=queue_href(&agent.at_risk.drill)>{agent.at_risk.value}</a></td>
                    <td class="number"><a href=queue_href(&agent.breached.drill)>{agent.breached.value}</a></td>
                </tr>
            }
        })
        .collect_view();
    let riskiest_count = riskiest.len() as i64;
    view! {
        <p class="muted">
            {format!("{scope} · {} to {} · ", period.from, period.to)}
            "as of " <Instant at=as_of/>
        </p>
        <Filters query=query offered=offered/>

        <section aria-labelledby="now-heading">
            <h2 id="now-heading">"Open now"</h2>
            <Tiles figures=open_by_tier label="Open tickets per tier"/>
            <Tiles figures=open_by_level label="Open tickets per ladder level"/>
        </section>

        <section aria-labelledby="attention-heading">
            <h2 id="attention-heading">"Needs attention"</h2>
            <h3>"Clocks at risk"</h3>
            <Tiles figures=at_risk label="Open tickets with a clock at risk"/>
            <h3>"Clocks overdue"</h3>
            <Tiles figures=breached label="Open tickets with a clock overdue" warn=true/>
            <Tiles figures=attention label="Escalations and checkpoints"/>
        </section>

        <section aria-labelledby="period-heading">
            <h2 id="period-heading">"In the period"</h2>
            <p class="muted">{format!("Trends compare {compared}.")}</p>
            <Tiles figures=flow label="Tickets in the period"/>
            <TimeTable times=times/>
            <div class="charts">
                <BarChart title="Opened and resolved per day".to_string() columns=columns.clone() series=flow_chart/>
                <BarChart title="Tickets breaching a target per day, by clock".to_string() columns=columns.clone() series=breach_chart/>
                <BarChart title="Open tickets per tier at the end of each day".to_string() columns=columns series=open_chart/>
            </div>
        </section>

        <section aria-labelledby="riskiest-heading">
            <h2 id="riskiest-heading">"Breaching next"</h2>
            {if riskiest.is_empty() {
                view! { <p class="muted">"No open ticket has a running clock."</p> }.into_any()
            } else {
                view! { <TicketTable tickets=ListedTickets::Staff(TicketListPage { items: riskiest, total: riskiest_count })/> }.into_any()
            }}
        </section>

        <section aria-labelledby="load-heading">
            <h2 id="load-heading">"Load per agent"</h2>
            <table class="report-table">
                <thead><tr><th scope="col">"Agent"</th><th scope="col">"Open"</th><th scope="col">"At risk"</th><th scope="col">"Overdue"</th></tr></thead>
                <tbody>{load_rows}</tbody>
            </table>
        </section>
    }
}

/// Figures as tiles, each a link to its tickets, with its trend where it has one.
#[component]
fn Tiles(figures: Vec<Figure>, label: &'static str, #[prop(optional)] warn: bool) -> impl IntoView {
    let tiles = figures
        .into_iter()
        .map(|figure| {
            let class = if warn && figure.value > 0 { "tile tile-warn" } else { "tile" };
            let trend = figure
                .previous
                .map(|previous| view! { <span class="tile-trend">{trend(figure.value, previous)}</span> });
            view! {
                <li class=class>
                    <a href=queue_href(&figure.drill)>
                        <span class="tile-figure">{figure.value}</span>
                        <span class="tile-label">{figure.label}</span>
                    </a>
                    {trend}
                </li>
            }
        })
        .collect_view();
    view! { <ul class="tiles" aria-label=label>{tiles}</ul> }
}

/// "▲ 3 (+25 %)" against the previous period.
fn trend(value: i64, previous: i64) -> String {
    let change = value - previous;
    let arrow = match change.signum() {
        1 => "▲",
        -1 => "▼",
        _ => "=",
    };
    let percent = (previous != 0).then(|| format!(" ({:+.0} %)", change as f64 * 100.0 / previous as f64));
    format!("{arrow} {change:+}{} vs {previous}", percent.unwrap_or_default())
}

/// Median and 90th percentile of the times, now and in the previous period.
#[component]
fn TimeTable(times: Vec<TimeFigure>) -> impl IntoView {
    let span = |value: Option<chrono::Duration>| value.map_or("–".to_string(), format_span);
    let rows = times
        .into_iter()
        .map(|time| {
            let TimeFigure { label, current, previous, drill } = time;
            let DurationSummary { count, median, p90, .. } = current;
            view! {
                <tr>
                    <th scope="row">{label}</th>
                    <td class="number"><a href=queue_href(&drill)>{count}</a></td>
                    <td class="number">{span(median)}</td>
                    <td class="number">{span(p90)}</td>
                    <td class="number muted">{span(previous.median)}</td>
                    <td class="number muted">{span(previous.p90)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="report-table">
            <caption>"Time from opening, in wall-clock time"</caption>
            <thead>
                <tr>
                    <th scope="col">""</th><th scope="col">"Tickets"</th><th scope="col">"Median"</th>
                    <th scope="col">"90th percentile"</th><th scope="col">"Median before"</th><th scope="col">"90th before"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// The period and scope, a plain GET form.
#[component]
fn Filters(query: DashboardQuery, offered: crate::server_fns::dashboard::DashboardChoices) -> impl IntoView {
    let periods =
        [("today", "Today"), ("7d", "Last 7 days"), ("30d", "Last 30 days"), ("custom", "From – to")]
            .into_iter()
            .map(|(value, label)| (value.to_string(), label.to_string()))
            .collect();
    let period = if query.period.is_empty() { "7d".to_string() } else { query.period.clone() };
    let directory = offered.directory;
    let tiers = std::iter::once(("all".to_string(), "Every tier".to_string()))
        .chain(directory.tiers.iter().map(|t| (t.id.to_string(), t.name.clone())))
        .collect();
    let groups = directory.groups.iter().map(|g| (g.id.to_string(), g.name.clone())).collect();
    let categories = directory.categories.iter().map(|c| (c.id.to_string(), c.name.clone())).collect();
    let plans = offered.plans.iter().map(|plan| (plan.clone(), plan.clone())).collect();
    view! {
        <Form method="GET" action="" attr:class="panel filters" attr:aria-label="Choose the period and scope">
            <div><Select id="dashboard-period" name="period" label="Period" choices=periods selected=period/></div>
            <div><label for="dashboard-from">"From"</label><input type="date" id="dashboard-from" name="from" value=query.from.clone()/></div>
            <div><label for="dashboard-to">"To"</label><input type="date" id="dashboard-to" name="to" value=query.to.clone()/></div>
            <div><Select id="dashboard-tier" name="tier" label="Tier" choices=tiers selected=query.tier.clone()/></div>
            <div><Select id="dashboard-group" name="group" label="Group" choices=groups empty="Any" selected=query.group.clone()/></div>
            <div><Select id="dashboard-plan" name="plan" label="Plan" choices=plans empty="Any" selected=query.plan.clone()/></div>
            <div><Select id="dashboard-category" name="category" label="Category" choices=categories empty="Any" selected=query.category.clone()/></div>
            <div>
                <Select id="dashboard-priority" name="priority" label="Priority" empty="Any" selected=query.priority.clone()
                    choices=choices(Priority::ALL, Priority::as_str, Priority::label)/>
            </div>
            <div><button type="submit">"Show"</button></div>
        </Form>
    }
}
