//! `/huddle`: the tier's stand-up on one table — every open escalation with its customer, holder,
//! level and how long it has been there, the next deadline counting down, the last public update,
//! the handoff that brought it, acknowledgement and missed checkpoints — marked new or changed
//! since the last huddle, then what was resolved since. It prints as the one table, works as plain
//! HTML and follows the live stream.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use crate::components::errors::action_error;
use crate::components::form::Select;
use crate::components::loading::Loaded;
use crate::components::ticket_table::{ClockWatch, StalledBadge};
use crate::components::time::Instant;
use crate::domain::describe::format_span;
use crate::domain::huddle::SinceHuddle;
use crate::providers::{use_live_updates, use_ticking_clock};
use crate::server_fns::huddle::{load_huddle, Huddle, HuddleQuery, HuddleRow, MarkHuddleHeld};

#[component]
pub fn HuddlePage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| HuddleQuery { tier: params.read().get("tier").unwrap_or_default() });
    let mark = ServerAction::<MarkHuddleHeld>::new();
    let changed = use_live_updates().any_ticket();
    let huddle = Resource::new(
        move || (query.get(), changed(), mark.version().get()),
        |(query, _, _)| load_huddle(query),
    );
    view! {
        <Title text="Huddle"/>
        <h1>"Huddle"</h1>
        <Loaded resource=huddle let:huddle>
            <Board huddle=huddle mark=mark/>
        </Loaded>
    }
}

#[component]
fn Board(huddle: Huddle, mark: ServerAction<MarkHuddleHeld>) -> impl IntoView {
    let Huddle { tier, scope, as_of, last, may_lead, rows, resolved_since, directory } = huddle;
    let count = rows.len();
    let last_line = match &last {
        Some(last) => view! {
            <p class="muted">
                {format!("{scope} · {count} open escalations · last huddle by {} at ", last.held_by)}
                <Instant at=last.held_at/>
                " — new ones and those that changed since are marked."
            </p>
        }
        .into_any(),
        None => view! { <p class="muted">{format!("{scope} · {count} open escalations · no huddle held yet.")}</p> }.into_any(),
    };
    let tiers = std::iter::once(("all".to_string(), "Every tier".to_string()))
        .chain(directory.tiers.iter().map(|t| (t.id.to_string(), t.name.clone())))
        .collect();
    let choose = may_lead.then(|| {
        let (selected, marked) = (tier.clone(), tier.clone());
        view! {
            <Form method="GET" action="" attr:class="panel filters" attr:aria-label="Choose the tier">
                <div><Select id="huddle-tier" name="tier" label="Tier" choices=tiers selected=selected/></div>
                <div><button type="submit">"Show"</button></div>
            </Form>
            {action_error(mark.value())}
            <ActionForm action=mark attr:class="inline">
                <input type="hidden" name="query[tier]" value=marked/>
                <input type="hidden" name="seen_at" value=as_of.to_rfc3339()/>
                <button type="submit">"Mark this huddle held"</button>
            </ActionForm>
        }
    });
    let body = rows.into_iter().map(|row| view! { <Row row=row/> }).collect_view();
    let resolved = (!resolved_since.is_empty()).then(|| {
        let items = resolved_since
            .into_iter()
            .map(|item| {
                let href = format!("/tickets/{}", item.ticket.id);
                view! {
                    <li>
                        <a href=href>{format!("#{} {}", item.ticket.id, item.ticket.subject)}</a>
                        {format!(" — {} · resolved ", item.organisation_name)}
                        {item.ticket.resolved_at.map(|at| view! { <Instant at=at/> })}
                    </li>
                }
            })
            .collect_view();
        view! {
            <section aria-labelledby="resolved-heading">
                <h2 id="resolved-heading">"Resolved since the last huddle"</h2>
                <ul>{items}</ul>
            </section>
        }
    });
    view! {
        {last_line}
        {choose}
        {if count == 0 {
            view! { <p class="muted">"No open escalations."</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="huddle">
                        <caption class="print-only">{format!("Huddle: {scope}")}</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Ticket"</th>
                                <th scope="col">"Customer"</th>
                                <th scope="col">"Held by"</th>
                                <th scope="col">"Level"</th>
                                <th scope="col">"At this level"</th>
                                <th scope="col">"Next deadline"</th>
                                <th scope="col">"Last public update"</th>
                                <th scope="col">"Handoff"</th>
                                <th scope="col">"Checkpoints missed"</th>
                            </tr>
                        </thead>
                        <tbody>{body}</tbody>
                    </table>
                </div>
            }
            .into_any()
        }}
        {resolved}
    }
}

#[component]
fn Row(row: HuddleRow) -> impl IntoView {
    let HuddleRow { item, plan, facts, since } = row;
    let ticket = item.ticket;
    let now = use_ticking_clock();
    let level_since = ticket.level_since;
    let age = move || format_span(now.get() - level_since);
    let mark = (since != SinceHuddle::Unchanged).then(|| since.label());
    let holder = [item.tier_name, item.group_name, item.assignee_name.or_else(|| Some("nobody".into()))]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    let acknowledged = ticket.acknowledged_level == Some(ticket.escalation_level);
    let handoff = facts.handoff.map(|handoff| handoff.summary);
    view! {
        <tr class=format!("huddle-{}", since.as_str())>
            <td>
                {mark.map(|mark| view! { <span class="badge since-huddle">{mark}</span> " " })}
                <a href=format!("/tickets/{}", ticket.id)>{format!("#{} {}", ticket.id, ticket.subject)}</a>
                {item.stalled_from.map(|from| view! { " " <StalledBadge from=from/> })}
            </td>
            <td>{format!("{} · {plan}", item.organisation_name)}</td>
            <td>{holder}</td>
            <td>
                {format!("{} ", ticket.escalation_level)}
                {if acknowledged {
                    view! { <span class="badge clock-met">"acknowledged"</span> }.into_any()
                } else {
                    view! { <span class="badge clock-breached">"not acknowledged"</span> }.into_any()
                }}
                {facts.escalated_by_hand.then(|| view! { <span class="muted">" by hand"</span> })}
            </td>
            <td>{age}</td>
            <td><ClockWatch next_breach_at=item.next_breach_at alerts=item.clock_alerts/></td>
            <td>{match facts.last_public_update {
                Some(at) => view! { <Instant at=at/> }.into_any(),
                None => view! { <span class="muted">"none yet"</span> }.into_any(),
            }}</td>
            <td class="handoff-cell">{handoff.unwrap_or_default()}</td>
            <td class="number">{facts.checkpoint_misses}</td>
        </tr>
    }
}
