//! The frame around every page: the navigation for the signed-in person's role.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::domain::UserSummary;
use crate::providers::{use_live_updates, use_session};

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let session = use_session();
    // Created here, not inside the navigation's Suspend, so the browser finds the server's value
    // when it hydrates.
    let live = use_live_updates();
    let unread = Resource::new(
        move || {
            (
                session.login.version().get(),
                session.logout.version().get(),
                live.notifications.get(),
                live.reset.get(),
            )
        },
        |_| crate::server_fns::notifications::unread_notifications(),
    );
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Tierline"</a>
            <nav aria-label="Main">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match session.user.await {
                            Ok(Some(user)) => {
                                // Awaited in the same Suspend as the person, so the server's
                                // HTML and the browser's first render agree.
                                let unread = unread.await.unwrap_or(0);
                                view! { <UserNav user=user unread=unread/> }.into_any()
                            }
                            _ => view! { <A href="/login">"Sign in"</A> }.into_any(),
                        }
                    })}
                </Transition>
            </nav>
        </header>
        <main id="content">{children()}</main>
    }
}

#[component]
fn UserNav(user: UserSummary, unread: i64) -> impl IntoView {
    let session = use_session();
    let staff = user.role.is_staff();
    let admin = user.role.may_configure();
    let reviewer = user.role.may_review_feedback();
    let tracker = user.role.may_track_progress();
    view! {
        <ul class="nav-links">
            <Show when=move || tracker>
                <li><A href="/dashboard">"Dashboard"</A></li>
            </Show>
            <Show when=move || !staff>
                <li><A href="/portal">"My tickets"</A></li>
                <li><A href="/portal/new">"New ticket"</A></li>
            </Show>
            <Show when=move || staff>
                <li><A href="/queue">"Queue"</A></li>
                <li><A href="/huddle">"Huddle"</A></li>
                <li><A href="/tickets/new">"New ticket"</A></li>
                <li><A href="/policy">"Policy"</A></li>
            </Show>
            <Show when=move || tracker>
                <li><A href="/reports/time">"Time report"</A></li>
                <li><A href="/reports/review">"Performance"</A></li>
            </Show>
            <Show when=move || reviewer>
                <li><A href="/reports/feedback">"Feedback"</A></li>
                <li><A href="/reviews">"Reviews"</A></li>
            </Show>
            <Show when=move || admin>
                <li><A href="/admin">"Admin"</A></li>
                <li><A href="/admin/deliveries">"Deliveries"</A></li>
            </Show>
            <li><crate::components::notification_bell::NotificationBell unread=unread/></li>
        </ul>
        <span class="whoami">
            <A href="/account" attr:title="Your account: change your password">{user.display_name.clone()}</A>
            " · " {user.role.label()}
        </span>
        <ActionForm action=session.logout attr:class="inline">
            <button type="submit" class="link">"Sign out"</button>
        </ActionForm>
    }
}
