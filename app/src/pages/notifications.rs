//! The notification centre: everyone's notifications, and their e-mail digest setting.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::components::errors::action_error;
use crate::components::form::Field;
use crate::components::loading::Loaded;
use crate::components::time::Instant;
use crate::domain::delivery::Notification;
use crate::providers::use_live_updates;
use crate::server_fns::notifications::{notification_centre, MarkRead, NotificationList, SaveDigest};

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
        <Loaded resource=centre let:centre>
            <Centre centre=centre mark=mark digest=digest/>
        </Loaded>
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
        {action_error(mark.value())}
        <ul class="notifications">{items}</ul>
        <section class="panel" aria-label="Notification settings">
            <h2>"E-mail digest"</h2>
            <p class="muted">
                "Non-urgent e-mail can be gathered into one message every so many minutes. Urgent messages and in-app notifications always come at once; outside your working hours, non-urgent e-mail waits for the morning."
            </p>
            {action_error(digest.value())}
            <ActionForm action=digest>
                <Field id="digest-minutes" name="minutes" label="Minutes between digests (empty: one e-mail per notification)"
                    inputmode="numeric" value=minutes errors=digest.value()/>
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
                <Instant at=item.created_at/>
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
