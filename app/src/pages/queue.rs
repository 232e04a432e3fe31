//! The agent queue and the customer portal's list: the same filtered, paginated ticket list,
//! with the filters kept in the URL so a view can be bookmarked and shared.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;

use crate::components::form::{choices, Control, Field, Select};
use crate::components::loading::Loaded;
use crate::components::ticket_table::TicketTable;
use crate::components::url::{query_from_url, query_string};
use crate::domain::directory::Directory;
use crate::domain::queue::{ListedTickets, TicketSort};
use crate::domain::{Priority, TicketStatus};
use crate::providers::use_live_updates;
use crate::server_fns::tickets::{list_tickets, ticket_directory, TicketQuery, PAGE_SIZE};

/// The URL of another page of the same list.
fn page_href(query: &TicketQuery, page: i64) -> String {
    query_string(&TicketQuery { page: page.to_string(), ..query.clone() }.pairs())
}

#[component]
pub fn QueuePage() -> impl IntoView {
    view! {
        <Title text="Queue"/>
        <h1>"Queue"</h1>
        <TicketList staff=true/>
    }
}

#[component]
pub fn PortalPage() -> impl IntoView {
    view! {
        <Title text="My tickets"/>
        <h1>"Your organisation's tickets"</h1>
        <p><a class="button" href="/portal/new">"Open a new ticket"</a></p>
        <TicketList staff=false/>
    }
}

#[component]
fn TicketList(staff: bool) -> impl IntoView {
    let query = query_from_url::<TicketQuery>();
    let tickets = Resource::new(
        {
            // Any ticket change pushed by the server reloads the list (and its countdowns).
            let changed = use_live_updates().any_ticket();
            move || (query.get(), changed())
        },
        |(query, _)| list_tickets(query),
    );
    let directory = Resource::new(|| (), |_| ticket_directory());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                // Without the directory the filters offer only what needs none.
                let directory = directory.await.unwrap_or_default();
                view! { <Filters staff=staff current=query.get() directory=directory/> }
            })}
        </Suspense>
        <Loaded resource=tickets let:tickets>
            <Listing tickets=tickets query=query.get_untracked()/>
        </Loaded>
    }
}

/// What a drill-down from the dashboard narrowed the list to, in words, or `None` without one.
fn drill_down(query: &TicketQuery) -> Option<String> {
    use crate::domain::queue::{Happening, RiskFilter};
    use crate::domain::ticket::ClockKind;
    let clock = ClockKind::parse(query.clock.trim()).map(|kind| kind.label().to_lowercase());
    let mut parts = Vec::new();
    if let Some(level) = Some(query.level.trim()).filter(|level| !level.is_empty()) {
        parts.push(format!("at level {level}"));
    }
    if let Some(plan) = Some(query.plan.trim()).filter(|plan| !plan.is_empty()) {
        parts.push(format!("on the {plan} plan"));
    }
    if let Some(risk) = RiskFilter::parse(query.risk.trim()) {
        let of = clock.as_ref().map(|clock| format!(" ({clock})")).unwrap_or_default();
        parts.push(format!("{}{of} now", risk.label().to_lowercase()));
    }
    if query.unacknowledged.trim() == "yes" {
        parts.push("escalated and not acknowledged".into());
    }
    if query.escalated.trim() == "yes" {
        parts.push("escalated".into());
    }
    if query.stalled.trim() == "yes" {
        parts.push("stalled in their tier now".into());
    }
    if let Some(day) = Some(query.open_on.trim()).filter(|day| !day.is_empty()) {
        parts.push(format!("open at the end of {day}"));
    }
    if let Some(event) = Happening::parse(query.event.trim()) {
        let of = match (event, &clock) {
            (Happening::Breached, Some(clock)) => format!(" ({clock})"),
            _ => String::new(),
        };
        let dates = match (query.from.trim(), query.to.trim()) {
            ("", "") => "today".to_string(),
            (from, to) if from == to || from.is_empty() => format!("on {to}"),
            (from, "") => format!("from {from} to today"),
            (from, to) => format!("from {from} to {to}"),
        };
        parts.push(format!("{}{of} {dates}", event.label().to_lowercase()));
    }
    (!parts.is_empty()).then(|| format!("Tickets {}", parts.join(", ")))
}

/// The drill-down's parameters, kept when the filters are applied.
fn drill_down_fields(query: &TicketQuery) -> impl IntoView + use<> {
    query
        .pairs()
        .into_iter()
        .filter(|(name, value)| {
            !value.is_empty()
                && [
                    "level",
                    "plan",
                    "risk",
                    "clock",
                    "unacknowledged",
                    "stalled",
                    "escalated",
                    "open_on",
                    "event",
                    "from",
                    "to",
                ]
                .contains(name)
        })
        .map(|(name, value)| view! { <input type="hidden" name=name value=value.to_string()/> })
        .collect_view()
}

/// A page of the list: how many tickets match, the table, and links to the pages around it.
#[component]
fn Listing(tickets: ListedTickets, query: TicketQuery) -> impl IntoView {
    let number = query.page.parse::<i64>().unwrap_or(1).max(1);
    let total = tickets.total();
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let previous = (number > 1).then(|| view! { <a href=page_href(&query, number - 1)>"← Previous"</a> });
    let next = (number < pages).then(|| view! { <a href=page_href(&query, number + 1)>"Next →"</a> });
    let narrowed = drill_down(&query).map(|words| {
        let whole = TicketQuery {
            level: String::new(),
            plan: String::new(),
            risk: String::new(),
            clock: String::new(),
            unacknowledged: String::new(),
            stalled: String::new(),
            escalated: String::new(),
            open_on: String::new(),
            event: String::new(),
            from: String::new(),
            to: String::new(),
            page: String::new(),
            ..query.clone()
        };
        view! {
            <p class="drill-down">{words} " · " <a href=page_href(&whole, 1)>"Show the whole queue"</a></p>
        }
    });
    view! {
        {narrowed}
        <p class="muted">{format!("{total} tickets")}</p>
        <TicketTable tickets=tickets/>
        <nav class="pager" aria-label="Pages">
            {previous}
            <span>{format!("Page {number} of {pages}")}</span>
            {next}
        </nav>
    }
}

/// The filters, a plain GET form: the list they choose is a URL to bookmark and share.
#[component]
fn Filters(staff: bool, current: TicketQuery, directory: Directory) -> impl IntoView {
    let statuses = [("active", "Active"), ("all", "All")]
        .into_iter()
        .map(|(value, label)| (value.to_string(), label.to_string()))
        .chain(choices(TicketStatus::ALL, TicketStatus::as_str, TicketStatus::label))
        .collect();
    let categories = directory.categories.iter().map(|c| (c.id.to_string(), c.name.clone())).collect();
    // An empty sort is the default, which the server picks: the best match of a search, otherwise
    // by role. It stays empty when the form is sent, so a new search is sorted by relevance.
    let searching = !current.q.trim().is_empty();
    let default_sort = match (searching, staff) {
        (true, _) => TicketSort::Relevance,
        (false, true) => TicketSort::BreachesFirst,
        (false, false) => TicketSort::RecentlyUpdated,
    };
    let sorts: Vec<TicketSort> = TicketSort::ALL
        .iter()
        .copied()
        .filter(|sort| *sort != default_sort && *sort != TicketSort::Relevance)
        .collect();
    let staff_filters = staff.then(|| {
        let tiers = directory.tiers.iter().map(|t| (t.id.to_string(), t.name.clone())).collect();
        let groups = directory.groups.iter().map(|g| (g.id.to_string(), g.name.clone())).collect();
        let assignees = [("me", "Me"), ("none", "Nobody")]
            .into_iter()
            .map(|(value, label)| (value.to_string(), label.to_string()))
            .chain(directory.agents.iter().map(|(id, name)| (id.to_string(), name.clone())))
            .collect();
        view! {
            <div><Select id="filter-tier" name="tier" label="Tier" choices=tiers empty="Any" selected=current.tier.clone()/></div>
            <div><Select id="filter-group" name="group" label="Group" choices=groups empty="Any" selected=current.group.clone()/></div>
            <div><Select id="filter-assignee" name="assignee" label="Assignee" choices=assignees empty="Anyone" selected=current.assignee.clone()/></div>
            <div><Field id="filter-tag" name="tag" label="Tag" value=current.tag.clone()/></div>
        }
    });
    view! {
        <Form method="GET" action="" attr:class="panel filters" attr:aria-label="Filter tickets">
            <div><Field id="filter-q" name="q" label="Search" control=Control::Search value=current.q.clone() placeholder="Words or #number"/></div>
            <div><Select id="filter-status" name="status" label="Status" choices=statuses selected=current.status.clone()/></div>
            <div>
                <Select id="filter-priority" name="priority" label="Priority" empty="Any" selected=current.priority.clone()
                    choices=choices(Priority::ALL, Priority::as_str, Priority::label)/>
            </div>
            <div><Select id="filter-category" name="category" label="Category" choices=categories empty="Any" selected=current.category.clone()/></div>
            {staff_filters}
            {drill_down_fields(&current)}
            <div>
                <Select id="filter-sort" name="sort" label="Sort" selected=current.sort.clone() empty=default_sort.label()
                    choices=choices(&sorts, TicketSort::as_str, TicketSort::label)/>
            </div>
            <div><button type="submit">"Apply"</button></div>
        </Form>
    }
}
