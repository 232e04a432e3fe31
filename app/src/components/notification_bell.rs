//! The header's link to the notification centre with the unread count.

use leptos::prelude::*;
use leptos_router::components::A;

/// The header's link to the centre with the unread count, which the layout keeps live.
#[component]
pub fn NotificationBell(unread: i64) -> impl IntoView {
    view! {
        <A href="/notifications" attr:class="bell">
            "Notifications"
            {(unread > 0).then(|| view! { <span class="count" data-testid="unread-count">{unread}</span> })}
        </A>
    }
}
