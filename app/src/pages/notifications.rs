//! The notification centre (everyone) and the delivery log (admins).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::components::errors::{action_error, field_error, ErrorPanel};
use crate::domain::delivery::{DeliveryStatus, DeliveryView, Notification};
use crate::providers::use_live_updates;
use crate::server_fns::notifications::{
    delivery_log, notification_centre, MarkRead, NotificationList, RetryDelivery, SaveDigest,
};

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let live = use_live_updates();
    let mark = ServerAction::<MarkRead>::new();
    let digest = ServerAction::<SaveDigest>::new();
    // Reading here changes the count in the header too.
    Effect::new(move |previous: Option<usize>| {
        let version = mark.version().get();
        if previous.is_some_and(|previous| previous != version) {
            live.notifications.update(|n| *n += 1);
        }
        version
    });
    let centre = Resource::new(
        move || (live.notifications.get(), live.reset.get(), mark.version().get(), digest.version().get()),
        |_| notification_centre(),
    );
    view! {
        <Title text="Notifications"/>
        <h1>"Notifications"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match centre.await {
                    Ok(centre) => view! { <Centre centre=centre mark=mark digest=digest/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error=error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Centre(
    centre: NotificationList,
    mark: ServerAction<MarkRead>,
    digest: ServerAction<SaveDigest>,
) -> impl IntoView {
    let unread = centre.unread;
    let items =
        centre.items.into_iter().map(|item| view! { <NotificationItem item=item mark=mark/> }).collect_view();
    let empty = unread == 0;
    let minutes = centre.digest_minutes.map(|m| m.to_string()).unwrap_or_default();
    // A <div>, not a <p>: a <form> inside a <p> makes the browser close the <p> early, and the
    // page the browser built no longer matches the one hydration walks.
    view! {
        <div class="unread-summary">
            <span data-testid="unread-total">{format!("{unread} unread")}</span>
            <Show when=move || !empty>
                " "
                <ActionForm action=mark attr:class="inline">
                    <input type="hidden" name="id" value=""/>
                    <button type="submit" class="link">"Mark all read"</button>
                </ActionForm>
            </Show>
        </div>
        {action_error(mark.value().into())}
        <ul class="notifications">{items}</ul>
        <section class="panel" aria-label="Notification settings">
            <h2>"E-mail digest"</h2>
            <p class="muted">
                "Non-urgent e-mail can be gathered into one message every so many minutes. Urgent messages and in-app notifications always come at once; outside your working hours, non-urgent e-mail waits for the morning."
            </p>
            {action_error(digest.value().into())}
            <ActionForm action=digest>
                <label for="digest-minutes">"Minutes between digests (empty: one e-mail per notification)"</label>
                <input id="digest-minutes" name="minutes" inputmode="numeric" value=minutes/>
                {field_error(digest.value().into(), "minutes")}
                <button type="submit">"Save"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn NotificationItem(item: Notification, mark: ServerAction<MarkRead>) -> impl IntoView {
    let read = item.read;
    view! {
        <li class:unread=!read data-kind=item.kind.clone()>
            <div class="meta">
                <strong>{item.title.clone()}</strong>
                " · "
                <time datetime=item.created_at.to_rfc3339()>{item.created_at.format("%Y-%m-%d %H:%M UTC").to_string()}</time>
            </div>
            <div>{item.body.clone()}</div>
            {item.ticket_id.map(|id| view! { <A href=format!("/tickets/{id}")>"Open ticket"</A> })}
            <Show when=move || !read>
                " "
                <ActionForm action=mark attr:class="inline">
                    <input type="hidden" name="id" value=item.id.to_string()/>
                    <button type="submit" class="link">"Mark read"</button>
                </ActionForm>
            </Show>
        </li>
    }
}

#[component]
pub fn DeliveriesPage() -> impl IntoView {
    let query = use_query_map();
    let status = Memo::new(move |_| query.read().get("status").unwrap_or_default());
    let retry = ServerAction::<RetryDelivery>::new();
    let log =
        Resource::new(move || (status.get(), retry.version().get()), |(status, _)| delivery_log(status));
    view! {
        <Title text="Deliveries"/>
        <h1>"Deliveries"</h1>
        <p class="muted">
            "Every message Tierline sent or tried to send. Failed deliveries were tried with growing pauses for about an hour; retrying sends them again with the same idempotency key, so receivers can tell a repeat."
        </p>
        {action_error(retry.value().into())}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match log.await {
                    Ok(log) => {
                        let counts = log
                            .counts
                            .iter()
                            .map(|(status, n)| view! { <li><A href=format!("/admin/deliveries?status={}", status.as_str())>{format!("{}: {n}", status.label())}</A></li> })
                            .collect_view();
                        let rows = log.deliveries.into_iter().map(|delivery| view! { <DeliveryRow delivery=delivery retry=retry/> }).collect_view();
                        let any_failed = log.counts.iter().any(|(status, n)| *status == DeliveryStatus::Failed && *n > 0);
                        view! {
                            <ul class="nav-links"><li><A href="/admin/deliveries">"All"</A></li>{counts}</ul>
                            <Show when=move || any_failed>
                                <ActionForm action=retry attr:class="inline">
                                    <input type="hidden" name="id" value=""/>
                                    <button type="submit" class="secondary">"Retry every failed delivery"</button>
                                </ActionForm>
                            </Show>
                            <table class="tickets">
                                <thead><tr><th>"Created"</th><th>"Ticket"</th><th>"Kind"</th><th>"Channel"</th><th>"To"</th><th>"Status"</th><th>"Attempts"</th><th>"Last error"</th><th></th></tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorPanel error=error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DeliveryRow(delivery: DeliveryView, retry: ServerAction<RetryDelivery>) -> impl IntoView {
    let failed = delivery.status == DeliveryStatus::Failed;
    view! {
        <tr data-status=delivery.status.as_str()>
            <td>{delivery.created_at.format("%Y-%m-%d %H:%M:%S").to_string()}</td>
            <td>{delivery.ticket_id.map(|id| view! { <A href=format!("/tickets/{id}")>{format!("#{id}")}</A> })}</td>
            <td>{delivery.kind.clone()}</td>
            <td>{delivery.channel.clone()}</td>
            <td>{delivery.destination.clone()}</td>
            <td>{delivery.status.label()}</td>
            <td>{delivery.attempts}</td>
            <td class="muted">{delivery.last_error.clone().unwrap_or_default()}</td>
            <td>
                <Show when=move || failed>
                    <ActionForm action=retry attr:class="inline">
                        <input type="hidden" name="id" value=delivery.id.to_string()/>
                        <button type="submit" class="secondary">"Retry"</button>
                    </ActionForm>
                </Show>
            </td>
        </tr>
    }
}
