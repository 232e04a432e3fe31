//! The ticket page: the timeline (the one place of record), the reply and note forms, and for
//! staff the form that changes status, priority, category, tags and assignment.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::errors::{action_error, field_error, ErrorPanel};
use crate::components::ticket_table::{PriorityBadge, StatusBadge};
use crate::domain::calendar::SegmentKind;
use crate::domain::clock::{ClockKind, ClockPhase, TicketClocks};
use crate::domain::directory::Directory;
use crate::domain::queue::{CustomerTicket, TimelineEntry};
use crate::domain::ticket::Handoff;
use crate::domain::{Channel, EventData, Priority, TicketStatus, Visibility};
use crate::error::AppError;
use crate::providers::use_live_updates;
use crate::server_fns::tickets::{
    load_ticket, AcknowledgeEscalation, CustomerTicketDetail, EscalateTicket, PostMessage, ReopenTicket,
    TicketDetail, UpdateTicket, ViewedTicket, WatchTicket,
};

#[component]
pub fn TicketPage() -> impl IntoView {
    let params = use_params_map();
    let ticket_id = Memo::new(move |_| params.read().get("id").and_then(|id| id.parse::<i64>().ok()));
    let post = ServerAction::<PostMessage>::new();
    let update = ServerAction::<UpdateTicket>::new();
    let reopen = ServerAction::<ReopenTicket>::new();
    let escalate = ServerAction::<EscalateTicket>::new();
    let acknowledge = ServerAction::<AcknowledgeEscalation>::new();
    let watch = ServerAction::<WatchTicket>::new();
    let actions = TicketActions { post, update, escalate, acknowledge, watch };
    // Someone else's change to this ticket, pushed by the server, reloads it like our own do —
    // except while the viewer has unsaved changes in the edit or escalation form: those are
    // kept, and saving them meets the version check (and its message) as without live updates.
    let changed = use_live_updates().ticket_version(move || ticket_id.get());
    let editing = RwSignal::new(false);
    let shown = Memo::new(move |previous: Option<&(u64, i64)>| match previous {
        Some(previous) if editing.get() => *previous,
        _ => changed.get(),
    });
    Effect::new(move |_| {
        // Any completed save starts afresh.
        update.version().track();
        escalate.version().track();
        editing.set(false);
    });
    // The message being written survives those reloads.
    let draft = RwSignal::new(String::new());
    let detail = Resource::new(
        move || {
            (
                ticket_id.get(),
                shown.get(),
                (post.version().get(), update.version().get(), reopen.version().get()),
                (escalate.version().get(), acknowledge.version().get(), watch.version().get()),
            )
        },
        |(id, ..)| async move {
            match id {
                Some(id) => load_ticket(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(ViewedTicket::Staff(detail)) => view! {
                        <Show when=move || editing.get() && shown.get() != changed.get()>
                            <p class="panel" role="status">"This ticket changed since you began editing. Saving will tell you what changed."</p>
                        </Show>
                        <StaffTicketView detail=*detail actions=actions draft=draft editing=editing/>
                    }.into_any(),
                    Ok(ViewedTicket::Customer(detail)) => view! {
                        <CustomerTicketView detail=*detail post=post reopen=reopen draft=draft/>
                    }.into_any(),
                    Err(error) => {
                        #[cfg(feature = "ssr")]
                        if error == AppError::NotFound {
                            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                                response.set_status(http::StatusCode::NOT_FOUND);
                            }
                        }
                        view! { <Title text="Ticket"/><ErrorPanel error=error/> }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// Everything staff can do on the ticket page (customers write and reopen).
#[derive(Clone, Copy)]
struct TicketActions {
    post: ServerAction<PostMessage>,
    update: ServerAction<UpdateTicket>,
    escalate: ServerAction<EscalateTicket>,
    acknowledge: ServerAction<AcknowledgeEscalation>,
    watch: ServerAction<WatchTicket>,
}

/// The title, the badges and who opened the ticket: the same for everyone.
#[component]
fn TicketHeading(ticket: CustomerTicket, requester_name: String, organisation_name: String) -> impl IntoView {
    view! {
        <Title text=format!("#{} {}", ticket.id, ticket.subject)/>
        <h1>{format!("#{} ", ticket.id)} {ticket.subject.clone()}</h1>
        <p>
            <StatusBadge status=ticket.status/> " " <PriorityBadge priority=ticket.priority/>
            <span class="muted">{format!(" · opened {} by {requester_name} ({organisation_name})", ticket.created_at.format("%Y-%m-%d %H:%M UTC"))}</span>
        </p>
    }
}

/// The timeline with the form to write on it, unless the ticket is closed.
#[component]
fn TimelineSection(
    ticket: CustomerTicket,
    timeline: Vec<TimelineEntry>,
    directory: Directory,
    requester_name: String,
    staff: bool,
    post: ServerAction<PostMessage>,
    draft: RwSignal<String>,
) -> impl IntoView {
    let closed = ticket.status == TicketStatus::Closed;
    let timeline =
        timeline.iter().map(|entry| timeline_item(entry, &directory, &requester_name)).collect_view();
    view! {
        <section aria-label="Timeline">
            <ol class="timeline">{timeline}</ol>
            <Show when=move || !closed fallback=|| view! { <p class="muted">"This ticket is closed."</p> }>
                <MessageForm ticket_id=ticket.id staff=staff post=post body=draft/>
            </Show>
        </section>
    }
}

/// Organisation, requester, category and channel, then whatever the viewer may do about them.
#[component]
fn FactsPanel(
    organisation: String,
    requester_name: String,
    category: Option<String>,
    channel: Channel,
    /// Shown to staff only.
    #[prop(optional)]
    reopen_count: Option<i64>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <section class="panel" aria-label="Ticket facts">
            <dl class="facts">
                <dt>"Organisation"</dt><dd>{organisation}</dd>
                <dt>"Requester"</dt><dd>{requester_name}</dd>
                <dt>"Category"</dt><dd>{category.unwrap_or_else(|| "—".to_string())}</dd>
                <dt>"Channel"</dt><dd>{channel.label()}</dd>
                {reopen_count.map(|count| view! { <dt>"Reopened"</dt><dd>{count}" times"</dd> })}
            </dl>
            {children.map(|children| children())}
        </section>
    }
}

/// The ticket page for its customer: built from the customer's type, which has no internal data.
#[component]
fn CustomerTicketView(
    detail: CustomerTicketDetail,
    post: ServerAction<PostMessage>,
    reopen: ServerAction<ReopenTicket>,
    draft: RwSignal<String>,
) -> impl IntoView {
    let ticket = detail.ticket;
    let may_reopen = detail.may_reopen;
    view! {
        <TicketHeading ticket=ticket.clone() requester_name=detail.requester_name.clone() organisation_name=detail.organisation_name.clone()/>
        <div class="ticket-layout">
            <TimelineSection ticket=ticket.clone() timeline=detail.timeline directory=Directory::default()
                requester_name=detail.requester_name.clone() staff=false post=post draft=draft/>
            <aside>
                <FactsPanel organisation=format!("{} ({})", detail.organisation_name, detail.plan)
                    requester_name=detail.requester_name category=detail.category_name channel=ticket.channel>
                    <Show when=move || may_reopen>
                        {action_error(reopen.value().into())}
                        <ActionForm action=reopen>
                            <input type="hidden" name="ticket_id" value=ticket.id.to_string()/>
                            <button type="submit" class="secondary">"Reopen this ticket"</button>
                        </ActionForm>
                    </Show>
                </FactsPanel>
            </aside>
        </div>
    }
}

/// The ticket page for staff: the handbook, the handoff, the clocks and the forms.
#[component]
fn StaffTicketView(
    detail: TicketDetail,
    actions: TicketActions,
    draft: RwSignal<String>,
    editing: RwSignal<bool>,
) -> impl IntoView {
    let TicketActions { post, update, escalate, acknowledge, watch } = actions;
    let ticket = detail.ticket.clone();
    let directory = detail.directory.clone();
    let handbook = directory
        .tiers
        .iter()
        .find(|tier| Some(tier.id) == ticket.assignment.tier_id && !tier.handbook.is_empty())
        .map(|tier| (tier.name.clone(), tier.handbook.clone()));
    let public = CustomerTicket::from(&ticket);
    let category = directory.category_name(ticket.category_id).map(str::to_string);
    view! {
        <TicketHeading ticket=public.clone() requester_name=detail.requester_name.clone() organisation_name=detail.organisation_name.clone()/>
        {handbook.map(|(tier, text)| view! {
            <aside class="panel" aria-label="Tier handbook">
                <strong>{format!("{tier} handbook: ")}</strong>{text}
            </aside>
        })}
        {current_handoff(&detail).map(|(from, handoff)| view! {
            <section class="panel handoff" aria-label="Handoff note">
                <h2>{format!("Handoff from {from}")}</h2>
                <dl class="facts">
                    <dt>"Summary"</dt><dd>{handoff.summary}</dd>
                    <dt>"Tried"</dt><dd>{handoff.tried}</dd>
                    <dt>"Customer impact"</dt><dd>{handoff.impact}</dd>
                    <dt>"Asked of you"</dt><dd>{handoff.ask}</dd>
                </dl>
            </section>
        })}
        <div class="ticket-layout">
            <TimelineSection ticket=public.clone() timeline=detail.timeline.clone() directory=directory.clone()
                requester_name=detail.requester_name.clone() staff=true post=post draft=draft/>
            <aside>
                <FactsPanel organisation=format!("{} ({})", detail.organisation_name, detail.plan)
                    requester_name=detail.requester_name.clone() category=category channel=ticket.channel
                    reopen_count=ticket.reopen_count/>
                <AttentionPanel detail=detail.clone() acknowledge=acknowledge watch=watch/>
                {detail.clocks.clone().map(|clocks| view! { <ClocksPanel clocks=clocks directory=directory.clone()/> })}
                <div on:input=move |_| editing.set(true) on:change=move |_| editing.set(true)>
                    <EditForm detail=detail.clone() update=update/>
                    {(!ticket.status.is_done()).then(|| view! { <EscalateForm detail=detail.clone() escalate=escalate/> })}
                </div>
            </aside>
        </div>
    }
}

fn timeline_item(entry: &TimelineEntry, directory: &Directory, requester: &str) -> impl IntoView + use<> {
    let who = entry.actor_name.clone().unwrap_or_else(|| "Tierline".to_string());
    let when = entry.event.at.format("%Y-%m-%d %H:%M UTC").to_string();
    // The page names the customer a ticket is for as the one who opened it.
    let actor = if matches!(entry.event.data, EventData::Created { .. }) { requester } else { &who };
    let heading = crate::domain::describe::describe(&entry.event.data, actor, directory);
    let (class, body): (&str, Option<String>) = match &entry.event.data {
        EventData::Created { description: text, .. } | EventData::CustomerMessage { body: text } => {
            ("message", Some(text.clone()))
        }
        EventData::PublicReply { body } => ("message reply", Some(body.clone())),
        EventData::InternalNote { body } => ("internal", Some(body.clone())),
        EventData::Escalated { handoff, .. } => ("escalation", handoff.as_ref().map(handoff_text)),
        EventData::Deescalated { reason, .. } => ("system", Some(reason.clone())),
        EventData::CheckpointMissed { .. } | EventData::ClockBreached { .. } => ("breach", None),
        _ => ("system", None),
    };
    let internal_label =
        (entry.event.data.visibility() == Visibility::Internal && class != "system").then_some(" · internal");
    view! {
        <li class=class>
            <div class="meta">{heading} " · " <time datetime=entry.event.at.to_rfc3339()>{when}</time>{internal_label}</div>
            {body.map(|text| view! { <div class="body">{text}</div> })}
        </li>
    }
}

fn handoff_text(handoff: &Handoff) -> String {
    format!(
        "Summary: {}\nTried: {}\nCustomer impact: {}\nAsked of the next tier: {}",
        handoff.summary, handoff.tried, handoff.impact, handoff.ask
    )
}

/// The handoff note of the escalation that brought the ticket where it is now, shown first to
/// the tier that received it.
fn current_handoff(detail: &TicketDetail) -> Option<(String, Handoff)> {
    detail.timeline.iter().rev().find_map(|entry| match &entry.event.data {
        EventData::Escalated { to, handoff: Some(handoff), .. } if *to == detail.ticket.assignment => {
            Some((entry.actor_name.clone().unwrap_or_default(), handoff.clone()))
        }
        _ => None,
    })
}

#[component]
fn MessageForm(
    ticket_id: i64,
    staff: bool,
    post: ServerAction<PostMessage>,
    body: RwSignal<String>,
) -> impl IntoView {
    let result = post.value();
    // Clear the text after it was saved; keep it when the server refused it.
    Effect::new(move |_| {
        if matches!(result.get(), Some(Ok(()))) {
            body.set(String::new());
        }
    });
    view! {
        <section class="panel" aria-label="Write">
            {action_error(result.into())}
            <ActionForm action=post>
                <input type="hidden" name="ticket_id" value=ticket_id.to_string()/>
                <label for="message-body">{if staff { "Reply or note" } else { "Your message" }}</label>
                <textarea id="message-body" name="body" required bind:value=body></textarea>
                {field_error(result.into(), "body")}
                {if staff {
                    view! {
                        <fieldset class="radio-row">
                            <legend class="muted">"Who sees it"</legend>
                            <label><input type="radio" name="visibility" value="public" checked=true/>"Public reply to the customer"</label>
                            <label><input type="radio" name="visibility" value="internal"/>"Internal note"</label>
                        </fieldset>
                    }
                    .into_any()
                } else {
                    view! { <input type="hidden" name="visibility" value="public"/> }.into_any()
                }}
                <button type="submit" disabled=move || post.pending().get()>{if staff { "Send" } else { "Send message" }}</button>
            </ActionForm>
        </section>
    }
}

/// The escalation level with its acknowledgement, and watching (staff only).
#[component]
fn AttentionPanel(
    detail: TicketDetail,
    acknowledge: ServerAction<AcknowledgeEscalation>,
    watch: ServerAction<WatchTicket>,
) -> impl IntoView {
    let ticket = detail.ticket;
    let acknowledged = ticket.acknowledged_level == Some(ticket.escalation_level);
    // Who acknowledged the current level, and when: the last acknowledgement in the log.
    let acknowledged_by = detail.timeline.iter().rev().find_map(|entry| match entry.event.data {
        EventData::EscalationAcknowledged { level } if acknowledged && level == ticket.escalation_level => {
            Some(format!(
                "Acknowledged by {} at {}",
                entry.actor_name.clone().unwrap_or_else(|| "someone".into()),
                entry.event.at.format("%Y-%m-%d %H:%M UTC")
            ))
        }
        _ => None,
    });
    let may_acknowledge = !acknowledged
        && !ticket.status.is_done()
        && crate::domain::ticket::is_escalated(&ticket)
        && crate::domain::commands::may_acknowledge(
            &detail.directory,
            detail.viewer.id,
            detail.viewer.role,
            ticket.assignment,
        );
    let watching = detail.watching;
    view! {
        <section class="panel" aria-label="Attention">
            <p>
                {format!("Escalation level {}", ticket.escalation_level)}
                {acknowledged.then(|| view! { <span class="badge" data-acknowledged="true">" acknowledged"</span> })}
            </p>
            {acknowledged_by.map(|line| view! { <p class="muted" data-acknowledged-by="true">{line}</p> })}
            {action_error(acknowledge.value().into())}
            <Show when=move || may_acknowledge>
                <ActionForm action=acknowledge attr:class="inline">
                    <input type="hidden" name="ticket_id" value=ticket.id.to_string()/>
                    <button type="submit" class="secondary">"Acknowledge escalation"</button>
                </ActionForm>
            </Show>
            {action_error(watch.value().into())}
            <ActionForm action=watch attr:class="inline">
                <input type="hidden" name="ticket_id" value=ticket.id.to_string()/>
                <input type="hidden" name="watch" value=(!watching).to_string()/>
                <button type="submit" class="secondary">{if watching { "Stop watching" } else { "Watch" }}</button>
            </ActionForm>
        </section>
    }
}

/// An `<option>` selected when its value is `current`.
fn option(value: String, label: String, current: &str) -> impl IntoView {
    let selected = value == current;
    view! { <option value=value selected=selected>{label}</option> }
}

fn id_text(id: Option<i64>) -> String {
    id.map(|id| id.to_string()).unwrap_or_default()
}

#[component]
fn EditForm(detail: TicketDetail, update: ServerAction<UpdateTicket>) -> impl IntoView {
    let result = update.value();
    let ticket = detail.ticket;
    let directory = detail.directory;
    let status = ticket.status.as_str();
    let statuses =
        TicketStatus::ALL.iter().map(|s| option(s.as_str().into(), s.label().into(), status)).collect_view();
    let priorities = Priority::ALL
        .iter()
        .map(|p| option(p.as_str().into(), p.label().into(), ticket.priority.as_str()))
        .collect_view();
    let category = id_text(ticket.category_id);
    let categories = std::iter::once(option(String::new(), "None".into(), &category))
        .chain(directory.categories.iter().map(|c| option(c.id.to_string(), c.name.clone(), &category)))
        .collect_view();
    let tier = id_text(ticket.assignment.tier_id);
    let tiers = std::iter::once(option(String::new(), "Unrouted".into(), &tier))
        .chain(directory.tiers.iter().map(|t| option(t.id.to_string(), t.name.clone(), &tier)))
        .collect_view();
    let group = id_text(ticket.assignment.group_id);
    let groups = std::iter::once(option(String::new(), "None".into(), &group))
        .chain(directory.groups.iter().map(|g| {
            let tier_name = directory.tier_name(Some(g.tier_id)).unwrap_or_default().to_string();
            option(g.id.to_string(), format!("{} ({tier_name})", g.name), &group)
        }))
        .collect_view();
    let assignee = id_text(ticket.assignment.assignee_id);
    let assignees = std::iter::once(option(String::new(), "Nobody".into(), &assignee))
        .chain(directory.agents.iter().map(|(id, name)| option(id.to_string(), name.clone(), &assignee)))
        .collect_view();
    view! {
        <section class="panel" aria-label="Edit ticket">
            <h2>"Ticket"</h2>
            {action_error(result.into())}
            <ActionForm action=update>
                <input type="hidden" name="edit[ticket_id]" value=ticket.id.to_string()/>
                <input type="hidden" name="edit[version]" value=ticket.version.to_string()/>
                <label for="edit-status">"Status"</label>
                <select id="edit-status" name="edit[status]">{statuses}</select>
                {field_error(result.into(), "status")}
                <label for="edit-priority">"Priority"</label>
                <select id="edit-priority" name="edit[priority]">{priorities}</select>
                <label for="edit-category">"Category"</label>
                <select id="edit-category" name="edit[category]">{categories}</select>
                {field_error(result.into(), "category")}
                <label for="edit-tags">"Tags"</label>
                <input id="edit-tags" type="text" name="edit[tags]" value=ticket.tags.join(" ")/>
                {field_error(result.into(), "tags")}
                <label for="edit-tier">"Tier"</label>
                <select id="edit-tier" name="edit[tier]">{tiers}</select>
                {field_error(result.into(), "tier")}
                <label for="edit-group">"Group"</label>
                <select id="edit-group" name="edit[group]">{groups}</select>
                {field_error(result.into(), "group")}
                <label for="edit-assignee">"Agent"</label>
                <select id="edit-assignee" name="edit[assignee]">{assignees}</select>
                {field_error(result.into(), "assignee")}
                <p class="muted">
                    "Moves inside the tier are plain assignments. To move the ticket to a higher tier, use "
                    <strong>"Escalate"</strong>" with a handoff note."
                </p>
                <label for="edit-deescalation-reason">"Reason for handing back to a lower tier"</label>
                <input
                    id="edit-deescalation-reason"
                    type="text"
                    name="edit[deescalation_reason]"
                    aria-describedby="edit-deescalation-hint"
                />
                <p id="edit-deescalation-hint" class="muted hint">"Only needed when the tier chosen above ranks below the one holding the ticket now."</p>
                {field_error(result.into(), "deescalation_reason")}
                <button type="submit" disabled=move || update.pending().get()>"Save changes"</button>
            </ActionForm>
        </section>
    }
}

/// Escalation by hand: where the ticket goes and the handoff note, every part required.
#[component]
fn EscalateForm(detail: TicketDetail, escalate: ServerAction<EscalateTicket>) -> impl IntoView {
    let result = escalate.value();
    let directory = detail.directory;
    let current_rank = directory
        .tiers
        .iter()
        .find(|tier| Some(tier.id) == detail.ticket.assignment.tier_id)
        .map(|tier| tier.rank)
        .unwrap_or(0);
    // The next tier up is the usual choice; every tier stays available for functional moves.
    let suggested = directory
        .tiers
        .iter()
        .find(|tier| tier.rank > current_rank)
        .map(|tier| tier.id.to_string())
        .unwrap_or_default();
    // Escalating goes up (or across to another tier of the same rank); handing back is an edit.
    let holding = detail.ticket.assignment.tier_id;
    let eligible: Vec<i64> = directory
        .tiers
        .iter()
        .filter(|t| holding.is_none() || (t.rank >= current_rank && Some(t.id) != holding))
        .map(|t| t.id)
        .collect();
    if eligible.is_empty() {
        return view! {
            <section class="panel" aria-label="Escalate">
                <p class="muted">
                    "No tier ranks above "{directory.tier_name(holding).unwrap_or("this tier").to_string()}
                    ": there is no tier to escalate to. Ask the tier's lead or a manager, or hand the ticket back from the fields above."
                </p>
            </section>
        }
        .into_any();
    }
    let tiers = directory
        .tiers
        .iter()
        .filter(|t| eligible.contains(&t.id))
        .map(|t| option(t.id.to_string(), t.name.clone(), &suggested))
        .collect_view();
    let groups = std::iter::once(option(String::new(), "Any group of the tier".into(), ""))
        .chain(directory.groups.iter().filter(|g| eligible.contains(&g.tier_id)).map(|g| {
            let tier_name = directory.tier_name(Some(g.tier_id)).unwrap_or_default().to_string();
            let skills =
                if g.skills.is_empty() { String::new() } else { format!(" — {}", g.skills.join(", ")) };
            option(g.id.to_string(), format!("{} ({tier_name}){skills}", g.name), "")
        }))
        .collect_view();
    let agents = std::iter::once(option(String::new(), "Whoever the group assigns".into(), ""))
        .chain(directory.agents.iter().map(|(id, name)| option(id.to_string(), name.clone(), "")))
        .collect_view();
    view! {
        <details class="panel" open=move || result.get().is_some_and(|r| r.is_err())>
            <summary><strong>"Escalate"</strong></summary>
            {action_error(result.into())}
            <ActionForm action=escalate>
                <input type="hidden" name="form[ticket_id]" value=detail.ticket.id.to_string()/>
                <label for="escalate-tier">"To tier"</label>
                <select id="escalate-tier" name="form[tier]">{tiers}</select>
                {field_error(result.into(), "tier")}
                <label for="escalate-group">"Group"</label>
                <select id="escalate-group" name="form[group]">{groups}</select>
                {field_error(result.into(), "group")}
                <label for="escalate-assignee">"Agent"</label>
                <select id="escalate-assignee" name="form[assignee]">{agents}</select>
                {field_error(result.into(), "assignee")}
                <label for="escalate-summary">"Summary"</label>
                <textarea id="escalate-summary" name="form[summary]" required></textarea>
                {field_error(result.into(), "summary")}
                <label for="escalate-tried">"What was tried"</label>
                <textarea id="escalate-tried" name="form[tried]" required></textarea>
                {field_error(result.into(), "tried")}
                <label for="escalate-impact">"Customer impact"</label>
                <textarea id="escalate-impact" name="form[impact]" required></textarea>
                {field_error(result.into(), "impact")}
                <label for="escalate-ask">"What the next tier should do"</label>
                <textarea id="escalate-ask" name="form[ask]" required></textarea>
                {field_error(result.into(), "ask")}
                <button type="submit" disabled=move || escalate.pending().get()>"Escalate with this handoff"</button>
            </ActionForm>
        </details>
    }
    .into_any()
}

/// "2h 05m", "-1h 10m" (overdue), "45s".
fn format_span(span: chrono::Duration) -> String {
    let sign = if span < chrono::Duration::zero() { "-" } else { "" };
    let seconds = span.num_seconds().abs();
    let (hours, minutes) = (seconds / 3600, (seconds % 3600) / 60);
    if hours > 0 {
        format!("{sign}{hours}h {minutes:02}m")
    } else if minutes > 0 {
        format!("{sign}{minutes}m")
    } else {
        format!("{sign}{seconds}s")
    }
}

/// Every clock of the ticket: its state, due instant and remaining business time, and why it is
/// due when it is — the rule that set the target and the running, paused and out-of-hours
/// stretches that lead to the due instant.
#[component]
fn ClocksPanel(clocks: TicketClocks, directory: Directory) -> impl IntoView {
    let rows = ClockKind::ALL
        .iter()
        .filter_map(|kind| clocks.latest(*kind).cloned())
        .map(|clock| {
            let (state, class) = match clock.state {
                ClockPhase::Running => ("Running", "status-open"),
                ClockPhase::Paused => ("Paused", "status-pending"),
                ClockPhase::Met => ("Met", "status-resolved"),
                ClockPhase::Breached => ("Breached", "urgent"),
                ClockPhase::Stopped => ("No target", ""),
            };
            let tier = (clock.kind == ClockKind::TierBudget)
                .then(|| directory.tier_name(clock.tier_id).map(|name| format!(" ({name})")))
                .flatten()
                .unwrap_or_default();
            let due = clock.due_at.map(|due| due.format("%Y-%m-%d %H:%M UTC").to_string());
            let remaining = clock.remaining.filter(|_| clock.is_open()).map(format_span);
            let segments = clock
                .explanation
                .iter()
                .map(|segment| {
                    let what = match segment.kind {
                        SegmentKind::Business => "running",
                        SegmentKind::OutOfHours => "out of hours",
                        SegmentKind::Paused => "paused",
                    };
                    view! {
                        <li>{format!("{} – {}: {what} ({})", segment.start.format("%m-%d %H:%M"), segment.end.format("%m-%d %H:%M"), format_span(segment.end - segment.start))}</li>
                    }
                })
                .collect_view();
            let target = clock.target.map(format_span).unwrap_or_else(|| "none".into());
            view! {
                <li class="clock">
                    <div>
                        <strong>{format!("{}{tier}", clock.kind.label())}</strong>
                        {(clock.cycle > 1).then(|| format!(" · cycle {}", clock.cycle))}
                        " " <span class=format!("badge {class}")>{state}</span>
                    </div>
                    <div class="muted">
                        {due.map(|due| format!("Due {due}"))}
                        {remaining.map(|left| format!(" · {left} of business time left"))}
                    </div>
                    <details>
                        <summary>"Why"</summary>
                        <p>{format!("Target {target} of business time, from {}; used so far {}.", clock.rule, format_span(clock.elapsed))}</p>
                        <ul class="segments">{segments}</ul>
                    </details>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="panel" aria-label="Clocks">
            <h2>"Clocks"</h2>
            <ul class="plain clocks">{rows}</ul>
        </section>
    }
}
