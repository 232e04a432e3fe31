//! The agent queue and the customer portal's list: the same filtered, paginated ticket list,
//! with the filters kept in the URL so a view can be bookmarked and shared.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use crate::components::errors::ErrorPanel;
use crate::components::ticket_table::TicketTable;
use crate::domain::queue::TicketSort;
use crate::domain::{Priority, TicketStatus};
use crate::providers::use_live_updates;
use crate::server_fns::tickets::{list_tickets, ticket_directory, TicketQuery, PAGE_SIZE};

fn query_from_url() -> Memo<TicketQuery> {
    let params = use_query_map();
    Memo::new(move |_| {
        let params = params.read();
        let get = |name: &str| params.get(name).unwrap_or_default();
        TicketQuery {
            status: get("status"),
            tier: get("tier"),
            group: get("group"),
            assignee: get("assignee"),
            priority: get("priority"),
            category: get("category"),
            tag: get("tag"),
            q: get("q"),
            sort: get("sort"),
            page: get("page"),
        }
    })
}

/// The URL of another page of the same list.
fn page_href(query: &TicketQuery, page: i64) -> String {
    let pairs = [
        ("status", &query.status),
        ("tier", &query.tier),
        ("group", &query.group),
        ("assignee", &query.assignee),
        ("priority", &query.priority),
        ("category", &query.category),
        ("tag", &query.tag),
        ("q", &query.q),
        ("sort", &query.sort),
    ];
    let mut parts: Vec<String> = pairs
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| format!("{name}={}", encode(value)))
        .collect();
    parts.push(format!("page={page}"));
    format!("?{}", parts.join("&"))
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (byte as char).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// An `<option>` that is selected when `current` equals its value.
fn choice(value: String, label: String, current: &str) -> impl IntoView {
    let selected = value == current;
    view! { <option value=value selected=selected>{label}</option> }
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
    let query = query_from_url();
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
                let current = query.get();
                let search_text = current.q.clone();
                let directory = directory.await.unwrap_or_default();
                let statuses = [("active", "Active"), ("all", "All")]
                    .into_iter()
                    .map(|(v, l)| (v.to_string(), l.to_string()))
                    .chain(TicketStatus::ALL.iter().map(|s| (s.as_str().to_string(), s.label().to_string())))
                    .map(|(v, l)| choice(v, l, &current.status))
                    .collect_view();
                let priorities = std::iter::once(choice(String::new(), "Any".into(), &current.priority))
                    .chain(Priority::ALL.iter().map(|p| choice(p.as_str().into(), p.label().into(), &current.priority)))
                    .collect_view();
                let categories = std::iter::once(choice(String::new(), "Any".into(), &current.category))
                    .chain(directory.categories.iter().map(|c| choice(c.id.to_string(), c.name.clone(), &current.category)))
                    .collect_view();
                // An empty sort means the default, which the server picks by role; show that one.
                let default_sort = if staff { TicketSort::BreachesFirst } else { TicketSort::RecentlyUpdated };
                let sort = if current.sort.is_empty() { default_sort.as_str().to_string() } else { current.sort.clone() };
                let sorts = TicketSort::ALL.iter().map(|s| choice(s.as_str().into(), s.label().into(), &sort)).collect_view();
                let staff_filters = staff.then(|| {
                    let tiers = std::iter::once(choice(String::new(), "Any".into(), &current.tier))
                        .chain(directory.tiers.iter().map(|t| choice(t.id.to_string(), t.name.clone(), &current.tier)))
                        .collect_view();
                    let groups = std::iter::once(choice(String::new(), "Any".into(), &current.group))
                        .chain(directory.groups.iter().map(|g| choice(g.id.to_string(), g.name.clone(), &current.group)))
                        .collect_view();
                    let tag = current.tag.clone();
                    let assignees = [("", "Anyone"), ("me", "Me"), ("none", "Nobody")]
                        .into_iter()
                        .map(|(v, l)| choice(v.into(), l.into(), &current.assignee))
                        .chain(directory.agents.iter().map(|(id, name)| choice(id.to_string(), name.clone(), &current.assignee)))
                        .collect_view();
                    view! {
                        <div>
                            <label for="filter-tier">"Tier"</label>
                            <select id="filter-tier" name="tier">{tiers}</select>
                        </div>
                        <div>
                            <label for="filter-group">"Group"</label>
                            <select id="filter-group" name="group">{groups}</select>
                        </div>
                        <div>
                            <label for="filter-assignee">"Assignee"</label>
                            <select id="filter-assignee" name="assignee">{assignees}</select>
                        </div>
                        <div>
                            <label for="filter-tag">"Tag"</label>
                            <input id="filter-tag" type="text" name="tag" value=tag/>
                        </div>
                    }
                });
                view! {
                    <Form method="GET" action="" attr:class="panel filters" attr:aria-label="Filter tickets">
                        <div>
                            <label for="filter-q">"Search"</label>
                            <input id="filter-q" type="search" name="q" value=search_text placeholder="Words or #number"/>
                        </div>
                        <div>
                            <label for="filter-status">"Status"</label>
                            <select id="filter-status" name="status">{statuses}</select>
                        </div>
                        <div>
                            <label for="filter-priority">"Priority"</label>
                            <select id="filter-priority" name="priority">{priorities}</select>
                        </div>
                        <div>
                            <label for="filter-category">"Category"</label>
                            <select id="filter-category" name="category">{categories}</select>
                        </div>
                        {staff_filters}
                        <div>
                            <label for="filter-sort">"Sort"</label>
                            <select id="filter-sort" name="sort">{sorts}</select>
                        </div>
                        <div><button type="submit">"Apply"</button></div>
                    </Form>
                    {match tickets.await {
                        Ok(page) => {
                            let number = current.page.parse::<i64>().unwrap_or(1).max(1);
                            let total = page.total();
                            let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
                            let previous = (number > 1).then(|| view! { <a href=page_href(&current, number - 1)>"← Previous"</a> });
                            let next = (number < pages).then(|| view! { <a href=page_href(&current, number + 1)>"Next →"</a> });
                            view! {
                                <p class="muted">{format!("{total} tickets")}</p>
                                <TicketTable tickets=page/>
                                <nav class="pager" aria-label="Pages">
                                    {previous}
                                    <span>{format!("Page {number} of {pages}")}</span>
                                    {next}
                                </nav>
                            }
                            .into_any()
                        }
                        Err(error) => view! { <ErrorPanel error=error/> }.into_any(),
                    }}
                }
            })}
        </Suspense>
    }
}
