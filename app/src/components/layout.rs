//! The frame around every page: the navigation for the signed-in person's role.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::domain::UserSummary;
use crate::providers::use_session;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let session = use_session();
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Tierline"</a>
            <nav aria-label="Main">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match session.user.await {
                            Ok(Some(user)) => view! { <UserNav user=user/> }.into_any(),
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
fn UserNav(user: UserSummary) -> impl IntoView {
    let session = use_session();
    let staff = user.role.is_staff();
    let admin = user.role.may_configure();
    view! {
        <ul class="nav-links">
            <Show when=move || !staff>
                <li><A href="/portal">"My tickets"</A></li>
                <li><A href="/portal/new">"New ticket"</A></li>
            </Show>
            <Show when=move || staff>
                <li><A href="/queue">"Queue"</A></li>
                <li><A href="/tickets/new">"New ticket"</A></li>
                <li><A href="/policy">"Policy"</A></li>
            </Show>
            <Show when=move || admin>
                <li><A href="/admin">"Admin"</A></li>
                <li><A href="/admin/deliveries">"Deliveries"</A></li>
            </Show>
            <li><crate::pages::NotificationBell/></li>
        </ul>
        <span class="whoami">
            {user.display_name.clone()} " · " {user.role.label()}
        </span>
        <ActionForm action=session.logout attr:class="inline">
            <button type="submit" class="link">"Sign out"</button>
        </ActionForm>
    }
}
